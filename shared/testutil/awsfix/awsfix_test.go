package awsfix_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

func TestRotationFunction(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	ctx, cfg := t.Context(), srv.Config(t, "us-east-1")
	role := awsfix.LambdaRole(t, ctx, cfg, awsfix.RotationRole)
	if again := awsfix.LambdaRole(t, ctx, cfg, awsfix.RotationRole); again != role {
		t.Errorf("LambdaRole on an existing role: %s, want %s", again, role)
	}
	for _, name := range []string{"rotate", "rotate2"} { // the role is reused
		arn := awsfix.RotationFunction(t, ctx, cfg, name)
		if want := "arn:aws:lambda:us-east-1:" + motoserver.TestAccount + ":function:" + name; arn != want {
			t.Errorf("function ARN %s, want %s", arn, want)
		}
		fn, err := lambda.NewFromConfig(cfg).GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
		if err != nil || aws.ToString(fn.Configuration.Role) != role {
			t.Errorf("GetFunction %s: %v, role %v, want %s", name, err, fn, role)
		}
	}
}

func TestCreateSecrets(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	ctx, sm := t.Context(), secretsmanager.NewFromConfig(srv.Config(t, "us-east-1"))
	arns := awsfix.CreateSecrets(t, ctx, sm, 10, func(i int) *secretsmanager.CreateSecretInput {
		return &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprintf("bulk/%02d", i)), SecretString: aws.String("x")}
	})
	for i, arn := range arns {
		if !strings.Contains(arn, fmt.Sprintf(":secret:bulk/%02d-", i)) {
			t.Errorf("arns[%d] = %s", i, arn)
		}
	}
	// A create that finds the secret there (a retried create whose first
	// attempt succeeded) returns the existing secret's ARN.
	if got := awsfix.CreateSecret(t, ctx, sm, &secretsmanager.CreateSecretInput{Name: aws.String("bulk/03"), SecretString: aws.String("x")}); got != arns[3] {
		t.Errorf("existing secret: %s, want %s", got, arns[3])
	}
}

func TestMotoEnv(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	t.Setenv("AWS_PROFILE", "someone-elses")
	awsfix.MotoEnv(t, srv, "eu-west-1")
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" || aws.ToString(cfg.BaseEndpoint) != srv.Endpoint {
		t.Errorf("region %q, endpoint %q", cfg.Region, aws.ToString(cfg.BaseEndpoint))
	}
	if _, err := secretsmanager.NewFromConfig(cfg).ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{}); err != nil {
		t.Errorf("ListSecrets on moto through the environment: %v", err)
	}
}
