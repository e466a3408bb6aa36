package motoserver

import (
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestAccount is moto's default account: resources created with the
// credentials from Config belong to it.
const TestAccount = "123456789012"

// EnvEndpoint names the environment variable that points the tests at an
// already running moto instead of starting one.
const EnvEndpoint = "SECRETGUARD_TEST_ENDPOINT"

var (
	shared    *Server
	sharedErr error
	sharedMu  sync.Mutex
	once      sync.Once
)

// Start returns the moto server of this test binary, starting it on first
// use. It fails the test (never skips) when no server can be had.
func Start(tb testing.TB) *Server {
	tb.Helper()
	once.Do(func() {
		s, err := start()
		sharedMu.Lock()
		shared, sharedErr = s, err
		sharedMu.Unlock()
	})
	sharedMu.Lock()
	s, err := shared, sharedErr
	sharedMu.Unlock()
	if err != nil {
		tb.Fatalf("motoserver: %v", err)
	}
	return s
}

// Main runs the tests and then stops the server Start may have created:
//
//	func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	sharedMu.Lock()
	s := shared
	sharedMu.Unlock()
	if s != nil {
		s.Stop()
	}
	return code
}

func start() (*Server, error) {
	return Launch(Options{Endpoint: os.Getenv(EnvEndpoint)})
}

// Reset clears all state in the server (every account and Region) and
// re-applies its configuration.
func (s *Server) Reset(tb testing.TB) {
	tb.Helper()
	if err := s.ResetState(); err != nil {
		tb.Fatalf("motoserver: %v", err)
	}
}

// Config returns an SDK config for region that talks to the server with
// static test credentials (account TestAccount). Its retryer makes up to 10
// attempts, because moto can answer 500 under concurrent writes.
func (s *Server) Config(tb testing.TB, region string) aws.Config {
	tb.Helper()
	if region == "" {
		tb.Fatal("motoserver: Config needs a Region")
	}
	return s.AWSConfig(region)
}
