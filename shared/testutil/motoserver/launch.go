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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secretguard/secretguard/shared/testutil/procgroup"
)

// Test credentials. moto accepts any; these are the conventional ones.
const (
	TestAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	TestSecretAccessKey = "testing"
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

	proc    *procgroup.Process // nil for a server given by Options.Endpoint
	logPath string
	stop    sync.Once
}

// Options configure Launch.
type Options struct {
	// Endpoint, when not empty, is a moto that is already running: Launch
	// waits for it and configures it, and Stop leaves it alone.
	Endpoint string
	// Detach leaves the moto that Launch starts running when this process
	// exits (no parent-death signal), for a demo that hands it over. Stop
	// still ends it.
	Detach bool
}

// Launch starts moto_server on 127.0.0.1 and a free port in its own process
// group (or connects to Options.Endpoint), waits until it answers and makes
// it run Lambda functions without Docker. It is the API for programs (the
// demo); tests use Start. The caller must Stop the server.
func Launch(opts Options) (*Server, error) {
	if ep := strings.TrimRight(opts.Endpoint, "/"); ep != "" {
		s := &Server{Endpoint: ep}
		if err := s.waitReady(startTimeout); err != nil {
			return nil, fmt.Errorf("moto at %s: %w", ep, err)
		}
		return s, s.configure()
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, errors.New(installHint)
	}
	var lastErr error
	for range portAttempts { // a free port can be taken before moto binds it
		s, err := launch(bin, opts.Detach)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launch(bin string, detach bool) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "moto-server-*.log")
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), logPath: logf.Name()}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	s.proc, err = procgroup.Start(cmd, detach, func() { _ = logf.Close() })
	if err != nil {
		_ = logf.Close()
		_ = os.Remove(logf.Name())
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	if err := s.waitReady(startTimeout); err != nil {
		tail := s.logTail()
		s.Stop()
		return nil, fmt.Errorf("moto_server on %s did not start: %w\n--- moto_server output (tail) ---\n%s", s.Endpoint, err, tail)
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

// PID is the process (and process group) ID of the moto_server Launch
// started, or 0 for a server given by Options.Endpoint.
func (s *Server) PID() int {
	if s == nil || s.proc == nil {
		return 0
	}
	return s.proc.PID()
}

// waitReady polls GET /moto-api/ until it answers 200.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	var lastErr error
	for time.Now().Before(deadline) {
		if s.proc != nil && s.proc.Exited() {
			return fmt.Errorf("moto_server exited: %v", s.proc.Cmd.ProcessState)
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

// ResetState clears all state in the server (every account and Region) and
// re-applies its configuration.
func (s *Server) ResetState() error {
	if err := s.post("/moto-api/reset", ""); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if err := s.configure(); err != nil {
		return fmt.Errorf("configure: %w", err)
	}
	return nil
}

// AWSConfig returns an SDK config for region that talks to the server with
// static test credentials (account TestAccount). Its retryer makes up to 10
// attempts, because moto can answer 500 under concurrent writes.
func (s *Server) AWSConfig(region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			TestAccessKeyID, TestSecretAccessKey, "")),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 10
				o.MaxBackoff = 2 * time.Second
			})
		},
	}
}

// Stop kills the subprocess (and its process group) if Launch started one.
// It is a no-op for a server given by Options.Endpoint or
// SECRETGUARD_TEST_ENDPOINT.
func (s *Server) Stop() {
	if s == nil || s.proc == nil {
		return
	}
	s.stop.Do(func() {
		s.proc.Stop(5 * time.Second)
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
