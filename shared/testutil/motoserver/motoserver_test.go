package motoserver

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestStartCreateResetGone(t *testing.T) {
	srv := Start(t)
	if srv.Endpoint == "" {
		t.Fatal("empty endpoint")
	}
	if again := Start(t); again != srv {
		t.Fatal("Start did not reuse the server")
	}
	srv.Reset(t)
	ctx := ctxTimeout(t)
	sm := secretsmanager.NewFromConfig(srv.Config(t, "us-east-1"))

	out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("motoserver/test"), SecretString: aws.String("s3cr3t"),
	})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	if _, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: out.ARN}); err != nil {
		t.Fatalf("DescribeSecret before reset: %v", err)
	}

	srv.Reset(t)

	_, err = sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: out.ARN})
	var nf *smtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("DescribeSecret after reset: got %v, want ResourceNotFoundException", err)
	}
	list, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	if len(list.SecretList) != 0 {
		t.Fatalf("ListSecrets after reset: %d secrets, want 0", len(list.SecretList))
	}
}

func TestConfigAccount(t *testing.T) {
	srv := Start(t)
	tests := []struct{ region string }{{"us-east-1"}, {"eu-west-1"}, {"cn-north-1"}}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			cfg := srv.Config(t, tt.region)
			if cfg.Region != tt.region || aws.ToString(cfg.BaseEndpoint) != srv.Endpoint {
				t.Fatalf("config region %q endpoint %q", cfg.Region, aws.ToString(cfg.BaseEndpoint))
			}
			if n := cfg.Retryer().MaxAttempts(); n != 10 {
				t.Fatalf("MaxAttempts = %d, want 10", n)
			}
			id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctxTimeout(t), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("GetCallerIdentity: %v", err)
			}
			if got := aws.ToString(id.Account); got != TestAccount {
				t.Fatalf("account = %s, want %s", got, TestAccount)
			}
		})
	}
}

func TestExternalEndpoint(t *testing.T) {
	srv := Start(t)
	t.Setenv(EnvEndpoint, srv.Endpoint+"/")
	ext, err := start()
	if err != nil {
		t.Fatalf("start with %s: %v", EnvEndpoint, err)
	}
	if ext.Endpoint != srv.Endpoint {
		t.Fatalf("endpoint %q, want %q", ext.Endpoint, srv.Endpoint)
	}
	ext.Stop() // must not stop the shared server
	srv.Reset(t)
}

func TestMissingMotoServer(t *testing.T) {
	t.Setenv(EnvEndpoint, "")
	t.Setenv("PATH", t.TempDir())
	_, err := start()
	if err == nil || err.Error() != installHint {
		t.Fatalf("start without moto_server: %v", err)
	}
}
