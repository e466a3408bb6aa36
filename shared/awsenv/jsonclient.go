package awsenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// JSONClient calls an AWS JSON 1.1 service (SSM, ...) with small signed
// requests instead of the SDK's service package, whose generated schemas
// cost package init and megabytes of binary: for the few operations
// secretguard needs of a service it links nowhere else. It honours
// AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL (cfg.BaseEndpoint) and
// retries throttling and 5xx answers with backoff (five attempts). The
// Limiter and Counter that Instrument installed on cfg apply to every
// attempt, as for the SDK's clients. Errors carry the AWS error code as a smithy.APIError, so ErrorCode,
// IsThrottle, IsNotFound and MissingPermission work.
type JSONClient struct {
	cfg      aws.Config
	service  string // signing name and endpoint prefix, e.g. ssm
	target   string // X-Amz-Target prefix, e.g. AmazonSSM
	endpoint string
	attempts int
	limiter  *Limiter
	counter  *Counter
}

// NewJSONClient returns a client of service in cfg's Region and
// credentials; target is the X-Amz-Target prefix of its operations.
func NewJSONClient(cfg aws.Config, service, target string) *JSONClient {
	ep := os.Getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(service, "-", "_")))
	if ep == "" && cfg.BaseEndpoint != nil {
		ep = *cfg.BaseEndpoint
	}
	if ep == "" {
		ep = "https://" + service + "." + cfg.Region + "." + DNSSuffix(Partition(cfg.Region))
	}
	l, c := instruments(cfg)
	return &JSONClient{cfg: cfg, service: service, target: target, endpoint: strings.TrimRight(ep, "/") + "/", attempts: 5, limiter: l, counter: c}
}

// Call sends operation op with in (marshalled to JSON) and decodes the
// answer into out, retrying throttling and server errors.
func (c *JSONClient) Call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s %s: encode request: %w", c.service, op, err)
	}
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx, c.service, op); err != nil {
				return fmt.Errorf("client rate limit for %s:%s: %w", c.service, op, err)
			}
		}
		err = c.call(ctx, op, body, out)
		if c.counter != nil {
			c.counter.record(c.service+":"+op, err != nil && IsThrottle(err))
		}
		if err == nil || attempt >= c.attempts || !(IsThrottle(err) || isServerError(err)) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

// apiError is an AWS error answer (JSON protocol).
type apiError struct {
	smithy.GenericAPIError
	status int
}

func isServerError(err error) bool {
	ae, ok := err.(*apiError)
	return ok && ae.status >= 500
}

func (c *JSONClient) call(ctx context.Context, op string, body []byte, out any) error {
	if c.cfg.Credentials == nil {
		return fmt.Errorf("%s %s: no AWS credentials", c.service, op)
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%s %s: get credentials: %w", c.service, op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", c.service, op, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", c.target+"."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.service, c.cfg.Region, time.Now()); err != nil {
		return fmt.Errorf("%s %s: sign: %w", c.service, op, err)
	}
	var client interface {
		Do(*http.Request) (*http.Response, error)
	} = http.DefaultClient
	if c.cfg.HTTPClient != nil {
		client = c.cfg.HTTPClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", c.service, op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", c.service, op, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg     string `json:"Message"`
		}
		_ = json.Unmarshal(data, &e)
		code := e.Type[strings.LastIndex(e.Type, "#")+1:]
		if code == "" {
			code = http.StatusText(resp.StatusCode)
		}
		msg := e.Message
		if msg == "" {
			msg = e.Msg
		}
		return &apiError{GenericAPIError: smithy.GenericAPIError{Code: code, Message: c.service + " " + op + ": " + msg}, status: resp.StatusCode}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", c.service, op, err)
	}
	return nil
}
