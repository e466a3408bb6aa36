package remedies_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const (
	account = motoserver.TestAccount
	region  = "us-east-1"
	org     = "o-a1b2c3d4e5"
	// rotateFn is the function testBaseline names for the standard class;
	// rotationLambda creates it in moto.
	rotateFn = "arn:aws:lambda:us-east-1:" + account + ":function:rotate"
)

var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

// testBaseline is a validated baseline for account 123456789012.
func testBaseline(t testing.TB) *baseline.Baseline {
	t.Helper()
	fn := "arn:${Partition}:lambda:${Region}:${AccountId}:function:rotate"
	b := &baseline.Baseline{
		Version: 1,
		Organization: baseline.Organization{
			ID:              org,
			AllowedAccounts: []string{"444455556666"},
			MemberAccounts:  []string{"777788889999"},
		},
		DefaultClass: "standard",
		Classes: []baseline.Class{
			{Name: "database", Match: baseline.Match{OwningServices: []string{"rds"}, NamePrefixes: []string{"rds/"}},
				MaxRotationDays: 30, Strategy: baseline.StrategyAlternatingUsers,
				RotationFunctions: []baseline.RotationFunction{{Engine: "postgres", ARN: "arn:${Partition}:lambda:${Region}:${AccountId}:function:pg"}}},
			{Name: "api-key", Match: baseline.Match{NamePrefixes: []string{"api-key/"}}, MaxRotationDays: 7},
			{Name: "standard", MaxRotationDays: 90, RotationFunctions: []baseline.RotationFunction{{Engine: "*", ARN: fn}}},
			{Name: "dr", Match: baseline.Match{NamePrefixes: []string{"dr/"}}, MaxRotationDays: 90, ReplicateTo: []string{"eu-west-1", "us-west-2"},
				RotationFunctions: []baseline.RotationFunction{{ARN: fn}}},
		},
		RequiredTags: []baseline.TagRule{
			{Key: "owner"},
			{Key: "environment", AllowedValues: []string{"prod", "staging", "dev"}},
		},
		KMS: baseline.KMS{
			DefaultKeys: map[string]string{"*": "alias/secretguard"},
		},
		Replication:     baseline.Replication{Tag: "secretguard:replicate-to"},
		Environments:    map[string]string{account: "prod"},
		BreakGlassRoles: []string{"arn:${Partition}:iam::${AccountId}:role/break-glass"},
		Unused:          baseline.DaysSetting{Days: 90},
		Rotated:         baseline.DaysSetting{Days: 90},
		Waivers:         baseline.Waivers{TagPrefix: "secretguard:waive:", MaxDays: 365},
		Checks:          map[string]baseline.CheckSettings{},

		MaxChangesPerInvocation: 25,
	}
	if err := b.Validate(); err != nil {
		t.Fatalf("test baseline: %v", err)
	}
	return b
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// env is one test's moto: a fresh server state and clients.
type env struct {
	t   *testing.T
	ctx context.Context
	srv *motoserver.Server
	sm  *secretsmanager.Client
	kms *kms.Client
	b   *baseline.Baseline
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, region)
	return &env{t: t, ctx: ctxFor(t), srv: srv, sm: secretsmanager.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg), b: testBaseline(t)}
}

func (e *env) clients() remedies.Clients {
	return remedies.Clients{
		Secrets: e.sm,
		KMS:     e.kms,
		KMSFor: func(r string) remedies.KMSAPI {
			return kms.NewFromConfig(e.srv.Config(e.t, r))
		},
	}
}

// create makes a secret and returns its ARN.
func (e *env) create(in *secretsmanager.CreateSecretInput) string {
	e.t.Helper()
	if in.SecretString == nil {
		in.SecretString = aws.String(`{"password":"not-read-by-secretguard"}`)
	}
	out, err := e.sm.CreateSecret(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateSecret %s: %v", aws.ToString(in.Name), err)
	}
	return aws.ToString(out.ARN)
}

// observe reads a secret as the engine would, with its policy.
func (e *env) observe(id string) *secret.Snapshot {
	e.t.Helper()
	o := secret.Observer{Client: e.sm, Now: func() time.Time { return now }}
	s, err := o.Secret(e.ctx, id, secret.Needs{Policy: true})
	if err != nil {
		e.t.Fatalf("observe %s: %v", id, err)
	}
	return s
}

// evaluate runs one check on a snapshot.
func (e *env) evaluate(checkID string, s *secret.Snapshot) checks.Finding {
	e.t.Helper()
	return evaluate(e.t, e.b, checkID, s)
}

func evaluate(t testing.TB, b *baseline.Baseline, checkID string, s *secret.Snapshot) checks.Finding {
	t.Helper()
	c, ok := checks.ByID(checkID)
	if !ok {
		t.Fatalf("no check %q", checkID)
	}
	return checks.Evaluate(c, s, b, now)
}

func input(b *baseline.Baseline, s *secret.Snapshot, f checks.Finding) remedies.Input {
	return remedies.Input{Secret: s, Baseline: b, Class: b.ClassFor(s.Name, s.OwningService, s.Tags), Finding: f, Now: now}
}

// remediate is the loop the engine runs, asserted at every step: the check
// fails and names the remedy, the plan is not empty, Apply succeeds, the
// re-observed secret passes, and a second plan is empty. It returns the
// first plan and the final snapshot.
func (e *env) remediate(arn, checkID string, hints remedies.Hints) (remedies.Plan, *secret.Snapshot) {
	e.t.Helper()
	s := e.observe(arn)
	f := e.evaluate(checkID, s)
	if f.Compliance != checks.NonCompliant {
		e.t.Fatalf("%s before the remedy: %s %q, want NON_COMPLIANT", checkID, f.Compliance, f.Annotation)
	}
	r, ok := remedies.ByID(f.Remedy)
	if !ok {
		e.t.Fatalf("finding names remedy %q, which does not resolve (%q)", f.Remedy, f.Annotation)
	}
	in := input(e.b, s, f)
	in.Hints = hints
	plan, err := r.Plan(e.ctx, e.clients(), in)
	if err != nil {
		e.t.Fatalf("%s.Plan: %v", r.ID(), err)
	}
	if plan.Empty() {
		e.t.Fatalf("%s.Plan is empty on a non-compliant secret (%q)", r.ID(), f.Annotation)
	}
	done, err := remedies.Apply(e.ctx, e.clients(), plan.Calls)
	if err != nil {
		e.t.Fatalf("Apply %s: %v (done: %+v)", r.ID(), err, done)
	}
	for _, c := range done {
		if c.Outcome != remedies.OutcomeOK {
			e.t.Errorf("call %s outcome %q", c.Operation, c.Outcome)
		}
	}
	after := e.observe(arn)
	if f := e.evaluate(checkID, after); f.Compliance != checks.Compliant {
		e.t.Fatalf("%s after %s: %s %q, want COMPLIANT", checkID, r.ID(), f.Compliance, f.Annotation)
	}
	again, err := r.Plan(e.ctx, e.clients(), input(e.b, after, e.evaluate(checkID, after)))
	if err != nil || !again.Empty() {
		e.t.Fatalf("second %s.Plan: %+v, %v; want empty (idempotent)", r.ID(), again.Calls, err)
	}
	return plan, after
}

// rotationLambda creates the Lambda function "rotate" that testBaseline
// names for the standard class.
func (e *env) rotationLambda() string {
	e.t.Helper()
	if got := e.createFunction("rotate"); got != rotateFn {
		e.t.Fatalf("function ARN %s, want %s", got, rotateFn)
	}
	return rotateFn
}

// createFunction creates a Lambda function (awsfix.RotationFunction):
// moto accepts a rotation configuration only for a function that exists.
func (e *env) createFunction(name string) string {
	e.t.Helper()
	return awsfix.RotationFunction(e.t, e.ctx, e.srv.Config(e.t, region), name)
}

// clearPending removes AWSPENDING from every version that carries it
// without AWSCURRENT.
func (e *env) clearPending(arn string) {
	e.t.Helper()
	s := e.observe(arn)
	for _, v := range s.VersionsWith(secret.StagePending) {
		if slices.Contains(s.VersionsWith(secret.StageCurrent), v) {
			continue
		}
		if _, err := e.sm.UpdateSecretVersionStage(e.ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(arn),
			VersionStage: aws.String(secret.StagePending), RemoveFromVersionId: aws.String(v)}); err != nil {
			e.t.Fatalf("UpdateSecretVersionStage: %v", err)
		}
	}
}

// needsHuman asserts that err wraps ErrNeedsHuman and mentions want.
func needsHuman(t testing.TB, err error, want string) {
	t.Helper()
	if !errors.Is(err, remedies.ErrNeedsHuman) {
		t.Fatalf("error %v, want one wrapping ErrNeedsHuman", err)
	}
	if want != "" && !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Fatalf("error %q does not mention %q", err, want)
	}
}
