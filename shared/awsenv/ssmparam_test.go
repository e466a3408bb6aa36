package awsenv

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// The reader against moto's real SSM: values come back decrypted, and a
// missing parameter carries its AWS error code.
func TestParameterReaderMoto(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	ctx := testCtx(t)
	cfg := srv.Config(t, "eu-west-1")
	c := ssm.NewFromConfig(cfg)
	for name, typ := range map[string]ssmtypes.ParameterType{
		"/secretguard/baseline": ssmtypes.ParameterTypeString,
		"/secretguard/secure":   ssmtypes.ParameterTypeSecureString,
	} {
		if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Type: typ, Value: aws.String("version: 1 # " + name)}); err != nil {
			t.Fatal(err)
		}
	}
	r := NewParameterReader(cfg)
	for _, tc := range []struct{ name, typ string }{
		{"/secretguard/baseline", "String"},
		{"/secretguard/secure", "SecureString"},
	} {
		v, typ, err := r.ReadParameter(ctx, tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if v != "version: 1 # "+tc.name || typ != tc.typ {
			t.Errorf("%s = %q (%s), want the stored value decrypted (%s)", tc.name, v, typ, tc.typ)
		}
	}
	_, _, err := r.ReadParameter(ctx, "/missing")
	if ErrorCode(err) != "ParameterNotFound" || !IsNotFound(err) {
		t.Errorf("missing parameter: error %v (code %q), want ParameterNotFound", err, ErrorCode(err))
	}
}

// Throttling and 5xx answers are retried; every request is signed for ssm
// and names the operation; AWS_ENDPOINT_URL_SSM wins over AWS_ENDPOINT_URL.
func TestParameterReaderRetriesAndSigns(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		var in struct {
			Name           string
			WithDecryption bool
		}
		if err := json.Unmarshal(body, &in); err != nil || in.Name != "/p" || !in.WithDecryption {
			t.Errorf("request body %s", body)
		}
		if got := r.Header.Get("X-Amz-Target"); got != "AmazonSSM.GetParameter" {
			t.Errorf("X-Amz-Target %q", got)
		}
		if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "/eu-west-1/ssm/aws4_request") {
			t.Errorf("Authorization %q is not a SigV4 signature for ssm in eu-west-1", auth)
		}
		switch n {
		case 1:
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		case 2:
			w.WriteHeader(503)
			io.WriteString(w, `{"__type":"InternalServerError","message":"try again"}`)
		default:
			io.WriteString(w, `{"Parameter":{"Name":"/p","Type":"String","Value":"v"}}`)
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: aws.NewCredentialsCache(staticCreds{})}
	counter := NewCounter()
	Instrument(&cfg, NewLimiter(DefaultBudget()), counter)
	v, _, err := NewParameterReader(cfg).ReadParameter(testCtx(t), "/p")
	if err != nil || v != "v" {
		t.Fatalf("ReadParameter = %q, %v", v, err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d requests, want 3 (two retried)", calls.Load())
	}
	// The call counter Instrument installed sees every attempt, as the
	// SDK clients' do.
	if n, th := counter.Counts()["ssm:GetParameter"], counter.Throttles(); n != 3 || th != 1 {
		t.Errorf("counted %d attempts of ssm:GetParameter, %d throttles; want 3 and 1", n, th)
	}
}

// An access denial is not retried and names the action.
func TestParameterReaderAccessDenied(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/p"}`)
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.NewCredentialsCache(staticCreds{})}
	_, _, err := NewParameterReader(cfg).ReadParameter(testCtx(t), "/p")
	if !IsAccessDenied(err) || calls.Load() != 1 {
		t.Fatalf("error %v after %d calls, want one AccessDeniedException", err, calls.Load())
	}
	if msg, ok := MissingPermission(err); !ok || !strings.Contains(msg, "ssm:GetParameter") {
		t.Errorf("MissingPermission = %q, %v", msg, ok)
	}
}

func TestNewParameterReaderEndpoints(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_SSM", "")
	for region, want := range map[string]string{
		"us-east-1":      "https://ssm.us-east-1.amazonaws.com/",
		"cn-north-1":     "https://ssm.cn-north-1.amazonaws.com.cn/",
		"us-gov-west-1":  "https://ssm.us-gov-west-1.amazonaws.com/",
		"eusc-de-east-1": "https://ssm.eusc-de-east-1.amazonaws.eu/",
	} {
		if got := NewParameterReader(aws.Config{Region: region}).c.endpoint; got != want {
			t.Errorf("%s: endpoint %q, want %q", region, got, want)
		}
	}
}

func TestDNSSuffix(t *testing.T) {
	for partition, want := range map[string]string{
		"aws": "amazonaws.com", "aws-us-gov": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-iso": "c2s.ic.gov",
		"aws-iso-b": "sc2s.sgov.gov", "aws-iso-e": "cloud.adc-e.uk", "aws-iso-f": "csp.hci.ic.gov", "aws-eusc": "amazonaws.eu",
	} {
		if got := DNSSuffix(partition); got != want {
			t.Errorf("DNSSuffix(%q) = %q, want %q", partition, got, want)
		}
	}
}

type staticCreds struct{}

func (staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", Source: "test"}, nil
}
