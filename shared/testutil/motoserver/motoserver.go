package motoserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestAccount is moto's default account: resources created with the
// credentials from Config belong to it.
const TestAccount = "123456789012"

// EnvEndpoint names the environment variable that points the tests at an
// already running moto instead of starting one.
const EnvEndpoint = "SECRETGUARD_TEST_ENDPOINT"

// Test credentials. moto accepts any; these are the conventional ones.
const (
	testAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	testSecretAccessKey = "testing"
)

const (
	startTimeout  = 30 * time.Second // moto imports slowly on a loaded machine
	installHint   = "moto_server not found on PATH: install it with `pip install 'moto[server]'` (moto >= 5), or set " + EnvEndpoint + " to a running moto"
	lambdaConfig  = `{"lambda":{"use_docker":false}}`
	portAttempts  = 3
	stderrTailLen = 4096
)

// Server is a running moto server.
type Server struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:40123.
	Endpoint string

	cmd     *exec.Cmd
	done    chan struct{} // closed when the subprocess has exited
	logPath string
	stop    sync.Once
}

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
	if ep := strings.TrimRight(os.Getenv(EnvEndpoint), "/"); ep != "" {
		s := &Server{Endpoint: ep}
		if err := s.waitReady(startTimeout); err != nil {
			return nil, fmt.Errorf("%s=%s: %w", EnvEndpoint, ep, err)
		}
		return s, s.configure()
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, errors.New(installHint)
	}
	var lastErr error
	for range portAttempts { // a free port can be taken before moto binds it
		s, err := launch(bin)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launch(bin string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "moto-server-*.log")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		done:     make(chan struct{}),
		logPath:  logf.Name(),
	}
	s.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	s.cmd.SysProcAttr = sysProcAttr()

	// Pdeathsig fires when the creating OS thread exits, not the process:
	// start and wait on a locked thread that outlives the child.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = s.cmd.Wait()
		_ = logf.Close()
		close(s.done)
	}()
	if err := <-started; err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	if err := s.waitReady(startTimeout); err != nil {
		s.Stop()
		return nil, fmt.Errorf("moto_server on %s did not start: %w\n--- moto_server output (tail) ---\n%s", s.Endpoint, err, s.logTail())
	}
	if err := s.configure(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls GET /moto-api/ until it answers 200.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	var lastErr error
	for time.Now().Before(deadline) {
		if s.done != nil {
			select {
			case <-s.done:
				return fmt.Errorf("moto_server exited: %v", s.cmd.ProcessState)
			default:
			}
		}
		resp, err := client.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /moto-api/: %s", resp.Status)
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s: %v", timeout, lastErr)
}

func (s *Server) post(path, body string) error {
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post(s.Endpoint+path, "application/json", strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// configure makes moto run Lambda functions without Docker.
func (s *Server) configure() error { return s.post("/moto-api/config", lambdaConfig) }

// Reset clears all state in the server (every account and Region) and
// re-applies its configuration.
func (s *Server) Reset(tb testing.TB) {
	tb.Helper()
	if err := s.post("/moto-api/reset", ""); err != nil {
		tb.Fatalf("motoserver: reset: %v", err)
	}
	if err := s.configure(); err != nil {
		tb.Fatalf("motoserver: configure: %v", err)
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
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			testAccessKeyID, testSecretAccessKey, "")),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 10
				o.MaxBackoff = 2 * time.Second
			})
		},
	}
}

// Stop kills the subprocess (and its process group) if Start launched one.
// It is a no-op for a server given by SECRETGUARD_TEST_ENDPOINT.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil {
		return
	}
	s.stop.Do(func() {
		terminate(s.cmd)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			kill(s.cmd)
			<-s.done
		}
		_ = os.Remove(s.logPath)
	})
}

func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no output: " + err.Error() + ")"
	}
	if len(b) > stderrTailLen {
		b = b[len(b)-stderrTailLen:]
	}
	return string(b)
}
