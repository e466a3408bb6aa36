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

// ParameterReader reads one SSM parameter (GetParameter, WithDecryption)
// with a small signed JSON request instead of the SDK's ssm package: that
// package's generated schemas cost about 10 ms of package init, which every
// Lambda that loads its baseline from SSM would pay on each cold start.
// It honours AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL (cfg.BaseEndpoint),
// and retries throttling and 5xx answers with backoff. Errors carry the AWS
// error code (ParameterNotFound, AccessDeniedException, ...) as a
// smithy.APIError, so ErrorCode, IsNotFound and MissingPermission work.
//
// IAM: ssm:GetParameter (and kms:Decrypt for a SecureString on a customer
// managed key).
type ParameterReader struct {
	cfg      aws.Config
	endpoint string
	attempts int
}

// NewParameterReader returns a reader in cfg's Region and credentials.
func NewParameterReader(cfg aws.Config) *ParameterReader {
	ep := os.Getenv("AWS_ENDPOINT_URL_SSM")
	if ep == "" && cfg.BaseEndpoint != nil {
		ep = *cfg.BaseEndpoint
	}
	if ep == "" {
		ep = "https://ssm." + cfg.Region + "." + DNSSuffix(Partition(cfg.Region))
	}
	return &ParameterReader{cfg: cfg, endpoint: strings.TrimRight(ep, "/") + "/", attempts: 5}
}

// DNSSuffix returns the DNS suffix of a partition's service endpoints (as in
// https://ssm.<region>.<suffix> and kms:ViaService values).
func DNSSuffix(partition string) string {
	switch partition {
	case "aws-cn":
		return "amazonaws.com.cn"
	case "aws-iso":
		return "c2s.ic.gov"
	case "aws-iso-b":
		return "sc2s.sgov.gov"
	case "aws-iso-e":
		return "cloud.adc-e.uk"
	case "aws-iso-f":
		return "csp.hci.ic.gov"
	case "aws-eusc":
		return "amazonaws.eu"
	}
	return "amazonaws.com"
}

// ReadParameter returns the decrypted value and type (String, SecureString,
// StringList) of a parameter, by name or ARN.
func (r *ParameterReader) ReadParameter(ctx context.Context, name string) (value, typ string, err error) {
	body, _ := json.Marshal(map[string]any{"Name": name, "WithDecryption": true})
	var out struct {
		Parameter struct{ Value, Type string }
	}
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err = r.call(ctx, "GetParameter", body, &out)
		if err == nil {
			return out.Parameter.Value, out.Parameter.Type, nil
		}
		if attempt >= r.attempts || !(IsThrottle(err) || isServerError(err)) {
			return "", "", err
		}
		select {
		case <-ctx.Done():
			return "", "", ctx.Err()
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

func (r *ParameterReader) call(ctx context.Context, op string, body []byte, out any) error {
	if r.cfg.Credentials == nil {
		return fmt.Errorf("ssm %s: no AWS credentials", op)
	}
	creds, err := r.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("ssm %s: get credentials: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("ssm %s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", r.cfg.Region, time.Now()); err != nil {
		return fmt.Errorf("ssm %s: sign: %w", op, err)
	}
	var client interface {
		Do(*http.Request) (*http.Response, error)
	} = http.DefaultClient
	if r.cfg.HTTPClient != nil {
		client = r.cfg.HTTPClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("ssm %s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("ssm %s: read answer: %w", op, err)
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
		return &apiError{GenericAPIError: smithy.GenericAPIError{Code: code, Message: "ssm " + op + ": " + msg}, status: resp.StatusCode}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("ssm %s: decode answer: %w", op, err)
	}
	return nil
}
