package remedies

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/secret"
)

// Remedy fixes the findings of some checks.
type Remedy interface {
	// ID is one of the baseline.Remedy* constants.
	ID() string
	// Doc is one line for people: what the remedy changes.
	Doc() string
	// Fixes lists the check IDs whose findings the remedy fixes.
	Fixes() []string
	// IAMActions lists every IAM action Plan and Apply use
	// ("service:Action").
	IAMActions() []string
	// Plan computes the exact calls that make the secret compliant for this
	// remedy. It may read (kms:GetKeyPolicy, kms:DescribeKey) but never
	// writes. An empty plan means nothing to do.
	//
	// When a safe fix is impossible Plan returns an error wrapping
	// ErrNeedsHuman, which the engine tickets. A non-empty plan together
	// with an ErrNeedsHuman error means "apply this part, ticket the rest"
	// (add-tags with a tag it has no value for, replicate with a Region that
	// has no default key, tighten-policy that must keep a break-glass grant).
	// Any other error is a failure to plan (a read failed, the input is
	// incomplete) and the plan is empty.
	Plan(ctx context.Context, c Clients, in Input) (Plan, error)
}

// Input is what a remedy plans from: the observed secret and the verdict
// that asked for it.
type Input struct {
	Secret   *secret.Snapshot
	Baseline *baseline.Baseline
	// Class is the secret's class (baseline.ClassFor); nil for an
	// unvalidated baseline that assigns none.
	Class   *baseline.Class
	Finding checks.Finding
	Hints   Hints // from the triggering event
	Now     time.Time
}

// Hints carry what the triggering event knows and a Snapshot does not.
type Hints struct {
	// Creator is the principal ARN of the CreateSecret caller (the default
	// for the owner tag), "" when unknown.
	Creator string
}

// Call is one API call. Input is the SDK input struct pointer (for example
// *secretsmanager.RotateSecretInput): a dry run shows exactly what would be
// sent (its JSON, see Params) and Apply sends it as it is.
type Call struct {
	Service   string // "secretsmanager"
	Operation string // "RotateSecret"
	Input     any
}

// Plan is what one remedy would do to one secret.
type Plan struct {
	Remedy string
	Secret string // ARN
	Calls  []Call
	// Before and After summarise the configuration the plan starts from and
	// leads to (StateOf), never values.
	Before, After outcome.State
	// Summary is one line for people, e.g. "enable rotation every 30 days
	// with arn:aws:lambda:...". With a NeedsHuman error it also says what is
	// left for a person.
	Summary string
	// Undo restores the before-state, for the remedies that support it
	// (tighten-policy, add-tags, fix-schedule); nil otherwise.
	Undo []Call
}

// Empty reports whether the plan has nothing to do.
func (p Plan) Empty() bool { return len(p.Calls) == 0 }

// OutcomeCalls renders the calls for an event, each with its parameters as
// JSON (Params) and the given outcome ("dry-run", "planned", ...).
func (p Plan) OutcomeCalls(result string) []outcome.Call {
	return outcomeCalls(p.Calls, result)
}

func outcomeCalls(calls []Call, result string) []outcome.Call {
	if len(calls) == 0 {
		return nil
	}
	out := make([]outcome.Call, 0, len(calls))
	for _, c := range calls {
		out = append(out, c.Outcome(result))
	}
	return out
}

// Outcome is the call as an event reports it: its parameters as JSON
// (Params) and result ("ok", an error, "dry-run", ...).
func (c Call) Outcome(result string) outcome.Call {
	params, err := Params(c)
	if err != nil {
		params = nil
		result = fmt.Sprintf("%s (parameters not rendered: %v)", result, err)
	}
	return outcome.Call{Service: c.Service, Operation: c.Operation, Params: params, Outcome: result}
}

// Clients are the SDK clients remedies plan and apply with, in the secret's
// account and Region.
type Clients struct {
	Secrets SecretsAPI
	// KMS reads keys in the secret's Region (use-cmk).
	KMS KMSAPI
	// KMSFor returns a KMS client for another Region of the same account,
	// to read replica Regions' keys (replicate).
	KMSFor func(region string) KMSAPI
}

// SecretsAPI is the set of Secrets Manager methods remedies call, with the
// SDK's signatures, so *secretsmanager.Client satisfies it and tests pass
// fakes. There is no GetSecretValue and no PutSecretValue: remedies never
// read or write values.
type SecretsAPI interface {
	RotateSecret(ctx context.Context, in *secretsmanager.RotateSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error)
	UpdateSecret(ctx context.Context, in *secretsmanager.UpdateSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretOutput, error)
	TagResource(ctx context.Context, in *secretsmanager.TagResourceInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.TagResourceOutput, error)
	UntagResource(ctx context.Context, in *secretsmanager.UntagResourceInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UntagResourceOutput, error)
	PutResourcePolicy(ctx context.Context, in *secretsmanager.PutResourcePolicyInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutResourcePolicyOutput, error)
	DeleteResourcePolicy(ctx context.Context, in *secretsmanager.DeleteResourcePolicyInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DeleteResourcePolicyOutput, error)
	ReplicateSecretToRegions(ctx context.Context, in *secretsmanager.ReplicateSecretToRegionsInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.ReplicateSecretToRegionsOutput, error)
}

// KMSAPI is the set of KMS methods remedies call (reads only).
type KMSAPI interface {
	GetKeyPolicy(ctx context.Context, in *kms.GetKeyPolicyInput, optFns ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error)
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

var (
	_ SecretsAPI = (*secretsmanager.Client)(nil)
	_ KMSAPI     = (*kms.Client)(nil)
)

// ErrNeedsHuman is wrapped by the errors of plans that only a person can
// carry out safely; the engine tickets them.
var ErrNeedsHuman = errors.New("needs a person")

// NeedsHuman returns an error wrapping ErrNeedsHuman that says why; its
// text is "needs a person: <reason>".
func NeedsHuman(reason string) error { return &needsHumanError{reason: reason} }

type needsHumanError struct{ reason string }

func (e *needsHumanError) Error() string { return ErrNeedsHuman.Error() + ": " + e.reason }
func (e *needsHumanError) Unwrap() error { return ErrNeedsHuman }

// Reason returns the reason of a NeedsHuman error (without the "needs a
// person: " prefix), or err's text for any other error.
func Reason(err error) string {
	var nh *needsHumanError
	if errors.As(err, &nh) {
		return nh.reason
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// Service names used in Calls.
const (
	ServiceSecretsManager = "secretsmanager"
)

// newPlan starts a plan for a secret with its before-state.
func newPlan(id string, s *secret.Snapshot) Plan {
	return Plan{Remedy: id, Secret: s.ARN, Before: StateOf(s), After: StateOf(s)}
}

// checkInput rejects an input a remedy cannot plan from: a programming
// error, not a reason to ticket.
func checkInput(id string, in Input) error {
	switch {
	case in.Secret == nil:
		return fmt.Errorf("%s: no secret snapshot", id)
	case in.Baseline == nil:
		return fmt.Errorf("%s %s: no baseline", id, in.Secret.ARN)
	case in.Secret.ARN == "":
		return fmt.Errorf("%s: snapshot of %q has no ARN", id, in.Secret.Name)
	}
	return nil
}

// isNeedsHuman reports whether err wraps ErrNeedsHuman.
func isNeedsHuman(err error) bool { return errors.Is(err, ErrNeedsHuman) }
