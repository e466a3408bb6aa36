package tickets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Retry settings for HTTP sinks (Jira, webhook). AWS sinks rely on the
// SDK's retryer (awsenv.NewRetryer).
const (
	DefaultHTTPAttempts = 4
	DefaultHTTPBackoff  = 250 * time.Millisecond
	maxHTTPBackoff      = 8 * time.Second
	maxErrorBody        = 300
)

// HTTPStatusError is a non-2xx answer from an HTTP sink.
type HTTPStatusError struct {
	Method, URL string
	Status      int
	Body        string // the start of the response body (never request data)
}

func (e *HTTPStatusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, e.Body)
}

// retryable reports whether an HTTP status is worth another attempt.
func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500
}

// httpDoer sends requests with retries and capped exponential backoff with
// jitter, honouring Retry-After.
type httpDoer struct {
	client   *http.Client
	attempts int
	backoff  time.Duration
	sleep    func(context.Context, time.Duration) error
	// hidePath keeps the URL path out of errors (a webhook path can
	// carry a token).
	hidePath bool
}

func (h *httpDoer) where(req *http.Request) string {
	if h.hidePath {
		return req.URL.Scheme + "://" + req.URL.Host + "/…"
	}
	return req.URL.Redacted()
}

func newHTTPDoer(c *http.Client) *httpDoer {
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	return &httpDoer{client: c, attempts: DefaultHTTPAttempts, backoff: DefaultHTTPBackoff, sleep: sleepCtx}
}

// do sends the request that build makes (afresh for each attempt, so that
// signatures and timestamps are new) and returns the 2xx body.
func (h *httpDoer) do(ctx context.Context, build func() (*http.Request, error)) ([]byte, error) {
	var lastErr error
	for attempt := 0; attempt < h.attempts; attempt++ {
		req, err := build()
		if err != nil {
			return nil, err
		}
		req = req.WithContext(ctx)
		resp, err := h.client.Do(req)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s %s: %w", req.Method, h.where(req), ctx.Err())
			}
			var ue *url.Error // its message repeats the whole URL
			if errors.As(err, &ue) {
				err = ue.Err
			}
			lastErr = fmt.Errorf("%s %s: %w", req.Method, h.where(req), err)
		} else {
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
			if resp.StatusCode/100 == 2 && rerr == nil {
				return body, nil
			}
			if rerr != nil {
				lastErr = fmt.Errorf("%s %s: read response: %w", req.Method, h.where(req), rerr)
			} else {
				se := &HTTPStatusError{Method: req.Method, URL: h.where(req), Status: resp.StatusCode, Body: truncate(string(bytes.TrimSpace(body)), maxErrorBody)}
				if !retryable(resp.StatusCode) {
					return nil, se
				}
				lastErr = se
				if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
					wait = time.Duration(s) * time.Second
				}
			}
		}
		if attempt == h.attempts-1 {
			break
		}
		if wait == 0 {
			wait = h.backoff << attempt
			wait = wait/2 + rand.N(wait/2+1)
		}
		if err := h.sleep(ctx, min(wait, maxHTTPBackoff)); err != nil {
			return nil, errors.Join(lastErr, err)
		}
	}
	return nil, fmt.Errorf("after %d attempts: %w", h.attempts, lastErr)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SecretsAPI is the one Secrets Manager method the notifier calls, to read
// the credentials of the Jira and webhook sinks (same signature as
// *secretsmanager.Client).
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// credentialTTL is how long a credential is cached before it is read
// again, so that a rotated credential is picked up.
const credentialTTL = 15 * time.Minute

// credential reads one Secrets Manager secret, the single exception to "no
// function reads a secret value": only a sink's own credentials secret,
// declared in its Permissions. The value is never logged nor put in an
// error.
type credential struct {
	arn string
	api SecretsAPI
	now func() time.Time

	mu      sync.Mutex
	value   []byte
	fetched time.Time
}

func newCredential(arn string, api SecretsAPI) *credential {
	return &credential{arn: arn, api: api, now: time.Now}
}

func (c *credential) get(ctx context.Context) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.value != nil && c.now().Sub(c.fetched) < credentialTTL {
		return c.value, nil
	}
	if c.api == nil {
		return nil, fmt.Errorf("read credentials secret %s: no Secrets Manager client", c.arn)
	}
	out, err := c.api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(c.arn)})
	if err != nil {
		return nil, fmt.Errorf("read credentials secret %s: %w", c.arn, err)
	}
	v := []byte(aws.ToString(out.SecretString))
	if out.SecretString == nil {
		v = out.SecretBinary
	}
	if len(bytes.TrimSpace(v)) == 0 {
		return nil, fmt.Errorf("credentials secret %s is empty", c.arn)
	}
	c.value, c.fetched = v, c.now()
	return v, nil
}

// forget drops the cached value, after the far end rejected it.
func (c *credential) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.value = nil
}

func (c *credential) permission() Permission {
	return Permission{Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []string{c.arn}}
}
