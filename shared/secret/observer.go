package secret

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsAPI is the set of Secrets Manager methods the Observer calls, with
// the SDK's signatures, so *secretsmanager.Client satisfies it and tests pass
// fakes. There is no GetSecretValue: the Observer never reads values.
type SecretsAPI interface {
	ListSecrets(ctx context.Context, in *secretsmanager.ListSecretsInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error)
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetResourcePolicy(ctx context.Context, in *secretsmanager.GetResourcePolicyInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error)
}

var _ SecretsAPI = (*secretsmanager.Client)(nil)

// IAMActions lists the IAM actions the Observer uses.
var IAMActions = []string{
	"secretsmanager:ListSecrets",
	"secretsmanager:DescribeSecret",
	"secretsmanager:GetResourcePolicy",
}

// ErrNotFound is wrapped by the error Observer.Secret returns for a secret
// that does not exist (or was deleted while it was being observed).
var ErrNotFound = errors.New("secret not found")

// Needs says which optional data the Observer fetches beyond what
// ListSecrets returns.
type Needs struct {
	// Policy: GetResourcePolicy for every secret.
	Policy bool
	// Replicas: DescribeSecret, for the replication status, only for the
	// secrets this returns true for (nil: never). It is called with the
	// ListSecrets Snapshot, from one goroutine at a time, in list order.
	Replicas func(s *Snapshot) bool
}

// DefaultConcurrency is the number of enrichment workers per page when
// Observer.Concurrency is 0.
const DefaultConcurrency = 8

// Observer builds Snapshots from Secrets Manager. Rate limiting, retries and
// call counting belong to the client's middleware (see shared/awsenv), not to
// the Observer. An Observer is safe for concurrent use once set up.
type Observer struct {
	Client SecretsAPI
	// Region is the client's Region, used for a Snapshot only when its ARN
	// does not parse; normally the Region comes from the ARN.
	Region string
	// Concurrency is the number of enrichment workers per page
	// (default DefaultConcurrency).
	Concurrency int
	// Now is the clock for ObservedAt (default time.Now).
	Now func() time.Time
}

func (o *Observer) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Observer) workers() int {
	if o.Concurrency > 0 {
		return o.Concurrency
	}
	return DefaultConcurrency
}

// Secret observes one secret by ARN or name (names may contain / + = . @ -)
// with one DescribeSecret, which returns everything ListSecrets does plus the
// replication status (so ReplicasKnown is true), and one GetResourcePolicy if
// needs.Policy (needs.Replicas is not consulted). A secret that does not
// exist is an error wrapping ErrNotFound; an id that starts with "arn:" but
// is not a secret ARN (or an id with a ":" that is no ARN) is an error before
// any call. An access-denied GetResourcePolicy is not an error: it goes into
// the Snapshot's Problem and PolicyKnown stays false; any other failed call
// is returned as the error.
func (o *Observer) Secret(ctx context.Context, id string, needs Needs) (*Snapshot, error) {
	if err := validateID(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := o.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &id})
	if err != nil {
		return nil, o.callError(ctx, "DescribeSecret", id, err)
	}
	s, perr := fromDescribe(out, o.now())
	if perr != nil {
		return nil, fmt.Errorf("DescribeSecret %s: %w", id, perr)
	}
	if !needs.Policy {
		return s, nil
	}
	if err := o.fetchPolicy(ctx, s); err != nil {
		if isNotFound(err) || !isAccessDenied(err) {
			return nil, o.callError(ctx, "GetResourcePolicy", id, err)
		}
		s.addProblem(problem("GetResourcePolicy", err))
	}
	return s, nil
}

// validateID rejects what can be neither a secret name nor a secret ARN.
func validateID(id string) error {
	switch {
	case id == "":
		return errors.New("secret: empty secret ID")
	case strings.HasPrefix(id, "arn:"):
		_, err := ParseARN(id)
		return err
	case strings.Contains(id, ":"):
		return fmt.Errorf("secret ID %q is neither a secret name nor a secret ARN", id)
	}
	return nil
}

func (o *Observer) callError(ctx context.Context, op, id string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if isNotFound(err) {
		return fmt.Errorf("%s %s: %w: %w", op, id, ErrNotFound, err)
	}
	return fmt.Errorf("%s %s: %w", op, id, err)
}

// fetchPolicy reads the resource policy into s. No policy at all is
// ResourcePolicy "" with PolicyKnown true.
func (o *Observer) fetchPolicy(ctx context.Context, s *Snapshot) error {
	id := s.ARN
	if id == "" {
		id = s.Name
	}
	out, err := o.Client.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: &id})
	if err != nil {
		return err
	}
	s.ResourcePolicy, s.PolicyKnown = deref(out.ResourcePolicy), true
	return nil
}

// describe replaces s with what DescribeSecret says now, keeping what only
// other calls provide (the policy).
func (o *Observer) describe(ctx context.Context, s *Snapshot) (*Snapshot, error) {
	id := s.ARN
	if id == "" {
		id = s.Name
	}
	out, err := o.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &id})
	if err != nil {
		return s, err
	}
	d, perr := fromDescribe(out, o.now())
	if perr != nil {
		// The list entry's ARN was fine: keep it, take the rest.
		d.ARN, d.Partition, d.Region, d.AccountID = s.ARN, s.Partition, s.Region, s.AccountID
	}
	d.ResourcePolicy, d.PolicyKnown, d.Problem = s.ResourcePolicy, s.PolicyKnown, s.Problem
	return d, nil
}

func (s *Snapshot) addProblem(p string) {
	if s.Problem == "" {
		s.Problem = p
	} else {
		s.Problem += "; " + p
	}
}
