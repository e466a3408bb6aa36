package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const benchSecrets = 5000

// seedBench resets moto and fills it with benchSecrets secrets.
func seedBench(b *testing.B) *env {
	b.Helper()
	e := newEnv(b)
	start := time.Now()
	createSecrets(b, e.base, "bench", benchSecrets, map[string]string{"owner": "bench"})
	b.Logf("seeded %d secrets in %s", benchSecrets, time.Since(start).Round(time.Millisecond))
	return e
}

// BenchmarkSweep5000 sweeps 5,000 secrets on moto through the handler:
// one check that reads only ListSecrets pages, and one that needs each
// secret's resource policy (GetResourcePolicy, held to 40 calls a second
// by the default budget, as in production). Run it with -benchtime=1x.
func BenchmarkSweep5000(b *testing.B) {
	e := seedBench(b)
	for _, check := range []string{"rotation-schedule", "no-public-policy"} {
		b.Run(check, func(b *testing.B) {
			var secrets, calls, puts, sent int64
			start := time.Now()
			for b.Loop() {
				e.config.calls = nil
				res, err := e.invoke(b, sampleWith(b, "scheduled.json", scheduledNow(check)), 15*time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				if res.Evaluated != benchSecrets || res.HandedOver {
					b.Fatalf("result %+v", res)
				}
				secrets += int64(res.Evaluated)
				puts += int64(res.PutCalls)
				sent += int64(res.Sent)
				for _, n := range res.APICalls {
					calls += n
				}
			}
			wall := time.Since(start)
			b.ReportMetric(float64(calls)/float64(secrets), "calls/secret")
			b.ReportMetric(float64(sent)/float64(puts), "evals/PutEvaluations")
			b.ReportMetric(float64(secrets)/wall.Seconds(), "secrets/s")
		})
	}
}

// BenchmarkColdStart measures the function's init time: the built binary
// (local arch, as Lambda builds it) is started against a fake Runtime API,
// and init ends when it first asks for an invocation
// (GET /2018-06-01/runtime/invocation/next).
func BenchmarkColdStart(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	if fi, err := os.Stat(bin); err == nil {
		b.Logf("binary %s/%s: %.1f MB", runtime.GOOS, runtime.GOARCH, float64(fi.Size())/1e6)
	}
	var total time.Duration
	n := 0
	for b.Loop() {
		total += coldStart(b, bin)
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "init-ms")
}

func coldStart(b *testing.B, bin string) time.Duration {
	b.Helper()
	first := make(chan time.Time, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2018-06-01/runtime/invocation/next" {
			select {
			case first <- time.Now():
			default:
			}
			select { // hold the request: no invocation comes
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		if strings.HasSuffix(r.URL.Path, "/init/error") {
			b.Errorf("the function reported an init error")
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	defer close(release)

	cmd := exec.Command(bin)
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"),
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_LAMBDA_FUNCTION_NAME=secretguard-evaluator", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	select {
	case t := <-first:
		return t.Sub(start)
	case <-ctx.Done():
		b.Fatalf("the function never asked for an invocation; output:\n%s", out.String())
	}
	return 0
}
