package awsenv

import (
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"golang.org/x/time/rate"
)

// isolateEnv points the SDK's config loading at empty files and test
// credentials, so the developer's own AWS setup cannot leak into a test.
func isolateEnv(t *testing.T, region, endpoint string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                  filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":      filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                      "",
		"AWS_DEFAULT_PROFILE":              "",
		"AWS_REGION":                       region,
		"AWS_DEFAULT_REGION":               "",
		"AWS_ACCESS_KEY_ID":                "AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY":            "testing",
		"AWS_SESSION_TOKEN":                "",
		"AWS_EC2_METADATA_DISABLED":        "true",
		"AWS_ENDPOINT_URL":                 endpoint,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": "",
		"AWS_MAX_ATTEMPTS":                 "",
		"AWS_RETRY_MODE":                   "",
	} {
		t.Setenv(k, v)
	}
}

// throttlingServer answers the first `throttles` requests with a Secrets
// Manager ThrottlingException (400) and the rest with an empty ListSecrets.
func throttlingServer(t *testing.T, throttles int64) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if target := r.Header.Get("X-Amz-Target"); target != "secretsmanager.ListSecrets" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"UnknownOperationException","message":"`+target+`"}`)
			return
		}
		if n.Add(1) <= throttles {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
			return
		}
		_, _ = io.WriteString(w, `{"SecretList":[]}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestLoadRetriesCounted drives Load's config (endpoint from AWS_ENDPOINT_URL)
// against a server that throttles twice: three attempts, each counted and
// each taking a limiter token.
func TestLoadRetriesCounted(t *testing.T) {
	srv, requests := throttlingServer(t, 2)
	isolateEnv(t, "eu-west-1", srv.URL)
	counter := NewCounter()
	// A bucket of 10 tokens that does not refill during the test.
	limiter := &Limiter{buckets: map[string]*rate.Limiter{FamilyList: rate.NewLimiter(1e-6, 10)}}
	cfg, err := Load(testCtx(t), Options{Counter: counter, Limiter: limiter, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Region != "eu-west-1" {
		t.Fatalf("region = %q", cfg.Region)
	}
	if _, err := secretsmanager.NewFromConfig(cfg).ListSecrets(testCtx(t), &secretsmanager.ListSecretsInput{}); err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	if got := requests.Load(); got != 3 {
		t.Fatalf("server saw %d requests, want 3", got)
	}
	want := map[string]int64{"secretsmanager:ListSecrets": 3}
	if got := counter.Counts(); len(got) != 1 || got["secretsmanager:ListSecrets"] != 3 {
		t.Fatalf("Counts = %v, want %v", got, want)
	}
	if counter.Total() != 3 || counter.Throttles() != 2 {
		t.Fatalf("Total %d Throttles %d, want 3 and 2", counter.Total(), counter.Throttles())
	}
	if left := limiter.buckets[FamilyList].Tokens(); math.Round(left) != 7 {
		t.Fatalf("limiter tokens left = %v, want 7 (one per attempt)", left)
	}
	counter.Reset()
	if counter.Total() != 0 || counter.Throttles() != 0 || len(counter.Counts()) != 0 {
		t.Fatal("Reset left counts")
	}
}

// TestLimiterInsideRetryLoop: with one token and no refill, the first attempt
// is throttled and the retry cannot get a token, so the call fails after
// exactly one attempt.
func TestLimiterInsideRetryLoop(t *testing.T) {
	srv, requests := throttlingServer(t, 100)
	isolateEnv(t, "us-east-1", srv.URL)
	counter := NewCounter()
	cfg, err := Load(testCtx(t), Options{Counter: counter, Budget: Budget{List: 1e-6}, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	_, err = secretsmanager.NewFromConfig(cfg).ListSecrets(testCtx(t), &secretsmanager.ListSecretsInput{})
	if err == nil || !strings.Contains(err.Error(), "client rate limit for secretsmanager:ListSecrets") {
		t.Fatalf("ListSecrets error = %v, want a client rate limit error", err)
	}
	if requests.Load() != 1 || counter.Total() != 1 || counter.Throttles() != 1 {
		t.Fatalf("requests %d, counted %d, throttles %d; want 1, 1, 1",
			requests.Load(), counter.Total(), counter.Throttles())
	}
}

func TestLoadNoRegion(t *testing.T) {
	isolateEnv(t, "", "")
	_, err := Load(testCtx(t), Options{})
	if !errors.Is(err, ErrNoRegion) || err.Error() != "no AWS Region: set --region or AWS_REGION" {
		t.Fatalf("Load without Region: %v", err)
	}
	cfg, err := Load(testCtx(t), Options{Region: "ap-southeast-2"})
	if err != nil || cfg.Region != "ap-southeast-2" {
		t.Fatalf("Load with Options.Region: %v, %q", err, cfg.Region)
	}
}

func TestRetryer(t *testing.T) {
	tests := []struct {
		name          string
		maxAttempts   int
		wantAttempts  int
		err           error
		wantRetryable bool
	}{
		{"defaults throttle", 0, DefaultMaxAttempts, apiErr("ThrottlingException", ""), true},
		{"custom transient", 3, 3, apiErr("RequestTimeout", ""), true},
		{"validation", 0, DefaultMaxAttempts, apiErr("ValidationException", ""), false},
		{"secrets manager resource quota", 0, DefaultMaxAttempts, &smtypes.LimitExceededException{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRetryer(tt.maxAttempts, 0)
			if r.MaxAttempts() != tt.wantAttempts {
				t.Fatalf("MaxAttempts = %d, want %d", r.MaxAttempts(), tt.wantAttempts)
			}
			if got := r.IsErrorRetryable(tt.err); got != tt.wantRetryable {
				t.Fatalf("IsErrorRetryable(%v) = %v, want %v", tt.err, got, tt.wantRetryable)
			}
			if d, err := r.RetryDelay(20, apiErr("ThrottlingException", "")); err != nil || d > DefaultMaxBackoff {
				t.Fatalf("RetryDelay = %v, %v; want <= %v", d, err, DefaultMaxBackoff)
			}
		})
	}
}
