package awsenv

import (
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// TestCounterAgainstMoto counts exactly the calls made through real clients.
func TestCounterAgainstMoto(t *testing.T) {
	srv := motoserver.Start(t)
	ctx := testCtx(t)
	cfg := srv.Config(t, "us-west-2")
	counter := NewCounter()
	Instrument(&cfg, NewLimiter(DefaultBudget()), counter)
	sm := secretsmanager.NewFromConfig(cfg)

	name := aws.String("awsenv/TestCounterAgainstMoto")
	out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: name, SecretString: aws.String("x")})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	t.Cleanup(func() {
		_, _ = sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: out.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	for range 2 {
		if _, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: out.ARN}); err != nil {
			t.Fatalf("DescribeSecret: %v", err)
		}
	}
	if _, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: out.ARN}); err != nil {
		t.Fatalf("GetSecretValue: %v", err)
	}
	if _, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{}); err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	_, err = sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("awsenv/missing")})
	if !IsNotFound(err) {
		t.Fatalf("DescribeSecret(missing) = %v, want not found", err)
	}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}

	want := map[string]int64{
		"secretsmanager:CreateSecret":   1,
		"secretsmanager:DescribeSecret": 3,
		"secretsmanager:GetSecretValue": 1,
		"secretsmanager:ListSecrets":    1,
		"sts:GetCallerIdentity":         1,
	}
	if got := counter.Counts(); !maps.Equal(got, want) {
		t.Fatalf("Counts = %v, want %v", got, want)
	}
	if counter.Total() != 7 || counter.Throttles() != 0 {
		t.Fatalf("Total %d Throttles %d, want 7 and 0", counter.Total(), counter.Throttles())
	}
}

// TestInstrumentReplaces: instrumenting a copy replaces the middleware on
// the copy's clients only and never touches the original's APIOptions.
func TestInstrumentReplaces(t *testing.T) {
	srv := motoserver.Start(t)
	ctx := testCtx(t)
	base := srv.Config(t, "us-east-1")
	baseCounter, copyCounter := NewCounter(), NewCounter()
	Instrument(&base, NewLimiter(Budget{}), baseCounter)
	Instrument(&base, nil, nil) // no-op
	if len(base.APIOptions) != 1 {
		t.Fatalf("base has %d APIOptions, want 1", len(base.APIOptions))
	}
	// Spare capacity in base's slice must not be shared with copies.
	base.APIOptions = append(make([]func(*middleware.Stack) error, 0, 8), base.APIOptions...)
	cpy := base.Copy()
	Instrument(&cpy, NewLimiter(Budget{}), copyCounter)
	other := base.Copy()
	Instrument(&other, nil, NewCounter())
	if len(base.APIOptions) != 1 || len(cpy.APIOptions) != 2 {
		t.Fatalf("APIOptions: base %d copy %d, want 1 and 2", len(base.APIOptions), len(cpy.APIOptions))
	}

	call := func(cfg aws.Config) {
		t.Helper()
		if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("GetCallerIdentity: %v", err)
		}
	}
	call(cpy)
	call(cpy)
	call(base)
	if baseCounter.Total() != 1 || copyCounter.Total() != 2 {
		t.Fatalf("base counted %d, copy counted %d; want 1 and 2", baseCounter.Total(), copyCounter.Total())
	}
}
