package awsfix

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// SecretsAPI is what the secret helpers call.
type SecretsAPI interface {
	CreateSecret(ctx context.Context, in *secretsmanager.CreateSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

// CreateSecret creates a secret and returns its ARN. moto can answer 500
// under concurrent writes; the SDK retries, and a retried CreateSecret whose
// first attempt did succeed says ResourceExistsException, which counts as
// success (the ARN is then read with DescribeSecret).
func CreateSecret(tb testing.TB, ctx context.Context, sm SecretsAPI, in *secretsmanager.CreateSecretInput) string {
	tb.Helper()
	arn, err := createSecret(ctx, sm, in)
	if err != nil {
		tb.Fatal(err)
	}
	return arn
}

// CreateSecrets creates n secrets, input(i) describing the i-th, with four
// workers (as CreateSecret does each), and returns their ARNs in order.
func CreateSecrets(tb testing.TB, ctx context.Context, sm SecretsAPI, n int, input func(i int) *secretsmanager.CreateSecretInput) []string {
	tb.Helper()
	arns := make([]string, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(4, n) {
		wg.Go(func() {
			for i := range next {
				arns[i], errs[i] = createSecret(ctx, sm, input(i))
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatal(err)
	}
	return arns
}

func createSecret(ctx context.Context, sm SecretsAPI, in *secretsmanager.CreateSecretInput) (string, error) {
	out, err := sm.CreateSecret(ctx, in)
	var exists *smtypes.ResourceExistsException
	switch {
	case err == nil:
		return aws.ToString(out.ARN), nil
	case !errors.As(err, &exists):
		return "", fmt.Errorf("CreateSecret %s: %w", aws.ToString(in.Name), err)
	}
	d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: in.Name})
	if err != nil {
		return "", fmt.Errorf("DescribeSecret %s: %w", aws.ToString(in.Name), err)
	}
	return aws.ToString(d.ARN), nil
}
