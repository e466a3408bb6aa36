package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// Region is where the lab seeds and runs; ReplicaRegion is where its
// replicated secret must also be.
const (
	Region        = "us-east-1"
	ReplicaRegion = "eu-west-1"
)

// Target is the AWS the lab runs against: a moto_server it started, or an
// endpoint it was given (another moto, or any endpoint speaking the AWS
// APIs, with the default credential chain).
type Target struct {
	// Endpoint is what the functions get as AWS_ENDPOINT_URL.
	Endpoint string
	Account  string
	// Moto says the endpoint answers moto's /moto-api/.
	Moto bool
	// Suffix is appended to every name the lab creates: empty on a moto the
	// lab started, unique per Target otherwise, so that runs do not collide
	// with each other or with what the endpoint already holds.
	Suffix string

	server *motoserver.Server
	creds  aws.CredentialsProvider
	base   aws.Config
}

// StartMoto starts moto_server on 127.0.0.1 and a free port. With detach
// it survives this process (the demo's --keep); Stop ends it either way.
func StartMoto(ctx context.Context, detach bool) (*Target, error) {
	srv, err := motoserver.Launch(motoserver.Options{Detach: detach})
	if err != nil {
		return nil, err
	}
	t := &Target{Endpoint: srv.Endpoint, Moto: true, server: srv}
	t.base = srv.AWSConfig(Region)
	t.creds = t.base.Credentials
	if err := t.identify(ctx); err != nil {
		srv.Stop()
		return nil, err
	}
	return t, nil
}

// Connect targets an endpoint that is already running. A moto (it answers
// /moto-api/) is configured for Lambda without Docker and used with moto's
// test credentials; anything else with the default credential chain. Every
// name the lab creates there carries a unique suffix, and nothing is reset.
func Connect(ctx context.Context, endpoint string) (*Target, error) {
	endpoint = strings.TrimRight(endpoint, "/")
	t := &Target{Endpoint: endpoint, Suffix: "-" + randomHex(3)}
	if isMoto(endpoint) {
		srv, err := motoserver.Launch(motoserver.Options{Endpoint: endpoint})
		if err != nil {
			return nil, err
		}
		t.Moto, t.base = true, srv.AWSConfig(Region)
	} else {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(Region))
		if err != nil {
			return nil, fmt.Errorf("AWS config for %s: %w", endpoint, err)
		}
		cfg.BaseEndpoint = aws.String(endpoint)
		t.base = cfg
	}
	t.creds = t.base.Credentials
	if err := t.identify(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

func isMoto(endpoint string) bool {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(endpoint + "/moto-api/")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (t *Target) identify(ctx context.Context) error {
	id, err := sts.NewFromConfig(t.Config(Region)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("sts GetCallerIdentity at %s: %w", t.Endpoint, err)
	}
	t.Account = aws.ToString(id.Account)
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Config returns an SDK config for region at the target.
func (t *Target) Config(region string) aws.Config {
	c := t.base.Copy()
	c.Region = region
	return c
}

// FunctionEnv is the environment that points a function at the target:
// AWS_ENDPOINT_URL, the Region and static credentials, and nothing from
// this machine's AWS configuration (no shared config files, no IMDS).
func (t *Target) FunctionEnv(ctx context.Context) ([]string, error) {
	c, err := t.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials for the functions: %w", err)
	}
	env := []string{
		"AWS_ENDPOINT_URL=" + t.Endpoint, "AWS_REGION=" + Region, "AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + c.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey,
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
	}
	if c.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.SessionToken)
	}
	return env, nil
}

// Fresh gives the next lab a clean slate: a moto the lab started is reset;
// on an endpoint it was given, the next names get a new suffix instead
// (nothing there is deleted).
func (t *Target) Fresh() error {
	if t.server != nil && t.server.PID() != 0 {
		return t.server.ResetState()
	}
	t.Suffix = "-" + randomHex(3)
	return nil
}

// PID is the process group of the moto_server the lab started, or 0.
func (t *Target) PID() int { return t.server.PID() }

// Stop stops the moto_server the lab started; an endpoint it was given is
// left alone.
func (t *Target) Stop() {
	if t != nil {
		t.server.Stop()
	}
}
