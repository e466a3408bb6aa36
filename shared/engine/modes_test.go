package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
)

// TestModes: the same finding under each mode of the check.
func TestModes(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		outcome engine.Outcome
		events  []string
		entries int
		tagged  bool
	}{
		{baseline.ModeReport, engine.OutcomeReported, nil, 0, false},
		{baseline.ModeTicket, engine.OutcomeTicketed, []string{outcome.TypeNeedsAttention}, 1, false},
		{baseline.ModeRemediate, engine.OutcomeRemediated, []string{outcome.TypeRemediated}, 1, true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			e := newEnv(t)
			e.mode(baseline.CheckRequiredTags, tc.mode)
			arn := e.create("app/modes", nil)
			c := check(t, e.reconcile(arn, remedies.Hints{Creator: creator}), baseline.CheckRequiredTags)
			if c.Outcome != tc.outcome {
				t.Fatalf("outcome %s (%s), want %s", c.Outcome, c.Why, tc.outcome)
			}
			if got := e.events.types(t); !slices.Equal(got, tc.events) {
				t.Errorf("events %v, want %v", got, tc.events)
			}
			if n := len(e.history(arn)); n != tc.entries {
				t.Errorf("%d ledger entries, want %d", n, tc.entries)
			}
			if _, ok := e.observe(arn).Tags["owner"]; ok != tc.tagged {
				t.Errorf("tagged %v, want %v", ok, tc.tagged)
			}
			if tc.mode == baseline.ModeTicket {
				d := e.events.sent(t)[0].Detail
				wantFix := "aws secretsmanager tag-resource --region us-east-1 --secret-id " + arn + ` --tags '[{"Key":"environment","Value":"dev"},{"Key":"owner","Value":"team-payments"},{"Key":"secretguard:rotation-status","Value":"disabled"}]'`
				if d.Fix != wantFix || !strings.HasPrefix(d.Waiver, "secretguard:waive:required-tags=") || d.Before == nil || !strings.Contains(d.Why, "mode is ticket") {
					t.Errorf("ticket detail: fix %q waiver %q before %v why %q", d.Fix, d.Waiver, d.Before, d.Why)
				}
				// The same finding on the same state is not ticketed twice.
				if c := check(t, e.reconcile(arn, remedies.Hints{Creator: creator}), baseline.CheckRequiredTags); c.Outcome != engine.OutcomeUnchanged || len(e.events.types(t)) != 1 {
					t.Errorf("second run: %s, %d events", c.Outcome, len(e.events.types(t)))
				}
			}
		})
	}
}

// TestWaiver: a valid waiver tag keeps a remediate-mode check from acting;
// an expired one does not.
func TestWaiver(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	until := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	waived := e.create("app/waived", map[string]string{"secretguard:waive:required-tags": until + " legacy app, tagged by the migration"})
	expired := e.create("app/expired", map[string]string{"secretguard:waive:required-tags": "2020-01-01 too old"})

	c := check(t, e.reconcile(waived, remedies.Hints{Creator: creator}), baseline.CheckRequiredTags)
	if c.Decision != engine.DecideWaived || c.Outcome != engine.OutcomeWaived || len(c.Calls) != 0 {
		t.Errorf("waived: %s %s %+v", c.Decision, c.Outcome, c.Calls)
	}
	if _, ok := e.observe(waived).Tags["owner"]; ok || len(e.events.types(t)) != 0 {
		t.Error("a waived secret was changed or reported")
	}
	c = check(t, e.reconcile(expired, remedies.Hints{Creator: creator}), baseline.CheckRequiredTags)
	if c.Outcome != engine.OutcomeRemediated {
		t.Errorf("expired waiver: %s (%s)", c.Outcome, c.Why)
	}
}

// TestDryRunWritesNothing: the plan with its exact calls, and nothing
// sent: no change, no claim, no ledger item, no event.
func TestDryRunWritesNothing(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	e.mode(baseline.CheckNoPublicPolicy, baseline.ModeTicket)
	arn := e.create("app/dry", nil)
	if _, err := e.sm.PutResourcePolicy(e.ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(publicPolicy)}); err != nil {
		t.Fatal(err)
	}
	before := e.observe(arn)
	e.counter.Reset()
	res, err := e.engine().Start().Reconcile(e.ctx, engine.Request{SecretID: arn, DryRun: true, Hints: remedies.Hints{Creator: creator}})
	if err != nil {
		t.Fatal(err)
	}
	c := check(t, res, baseline.CheckRequiredTags)
	if c.Outcome != engine.OutcomePlanned || len(c.Calls) != 1 || c.Calls[0].Outcome != "dry-run" || !strings.Contains(string(c.Calls[0].Params), `"Key":"owner"`) || len(c.Undo) != 1 {
		t.Fatalf("plan %s %+v undo %+v", c.Outcome, c.Calls, c.Undo)
	}
	if p := check(t, res, baseline.CheckNoPublicPolicy); p.Outcome != engine.OutcomeTicketed || p.Fix == "" || p.ID != "" {
		t.Errorf("dry-run ticket %+v", p)
	}
	for op := range e.counter.Counts() {
		if !strings.HasPrefix(op, "secretsmanager:Describe") && !strings.HasPrefix(op, "secretsmanager:Get") && op != "dynamodb:Query" {
			t.Errorf("dry run called %s", op)
		}
	}
	after := e.observe(arn)
	if !slices.Equal(mapKeys(before.Tags), mapKeys(after.Tags)) || after.ResourcePolicy != before.ResourcePolicy {
		t.Errorf("the secret changed: %v → %v", before.Tags, after.Tags)
	}
	if len(e.history(arn)) != 0 || len(e.events.types(t)) != 0 {
		t.Error("dry run recorded or sent something")
	}
	if l, _ := e.store.Latest(e.ctx, arn); len(l) != 0 {
		t.Errorf("dry run wrote latest verdicts %v", l)
	}
}

// TestSecretCompliantResolves: a ticketed check that passes later gives
// Secret Compliant once, so the notifier resolves the ticket.
func TestSecretCompliantResolves(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeTicket)
	arn := e.create("app/later", nil)
	e.reconcile(arn, remedies.Hints{})
	if _, err := e.sm.TagResource(e.ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(arn), Tags: []smtypes.Tag{
		{Key: aws.String("owner"), Value: aws.String("bob")}, {Key: aws.String("environment"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		e.reconcile(arn, remedies.Hints{})
	}
	ev := e.events.sent(t)
	if got := e.events.types(t); !slices.Equal(got, []string{outcome.TypeNeedsAttention, outcome.TypeCompliant}) {
		t.Fatalf("events %v", got)
	}
	if ev[1].Detail.Compliance != "COMPLIANT" || ev[1].Detail.Check != baseline.CheckRequiredTags {
		t.Errorf("compliant detail %+v", ev[1].Detail)
	}
	if h := e.history(arn); len(h) != 2 || h[0].Decision != "resolved" || h[1].Decision != "ticketed" {
		t.Errorf("history %+v", h)
	}
}

// TestGoneAndUnreachable: a deleted secret is a no-op; an account whose
// spoke role refuses AssumeRole is a terminal error.
func TestGoneAndUnreachable(t *testing.T) {
	e := newEnv(t)
	res, err := e.engine().Start().Reconcile(e.ctx, engine.Request{SecretID: "arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/gone-AbCdEf"})
	if err != nil || !res.Gone {
		t.Errorf("gone: %+v %v", res, err)
	}
	eng := e.engine()
	eng.Accounts = accountsFunc(func(context.Context, string, string, string) (aws.Config, error) {
		return aws.Config{}, fmt.Errorf("assume role arn:aws:iam::111122223333:role/secretguard-spoke: %w",
			&smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: sts:AssumeRole"})
	})
	_, err = eng.Start().Reconcile(e.ctx, engine.Request{SecretID: "arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf"})
	if err == nil || !strings.Contains(err.Error(), "111122223333") || engine.Retryable(err) {
		t.Fatalf("unreachable account: %v", err)
	}
	denied := &smithy.GenericAPIError{Code: "AccessDenied", Message: "denied"}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{denied, false},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, true},
		{&smithy.GenericAPIError{Code: "InternalFailure", Fault: smithy.FaultServer}, true},
		{&smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}, false},
		{context.DeadlineExceeded, true},
		{errors.New("no secret ID"), false},
	} {
		if got := engine.Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestFailedRemedy: a call that fails leaves the secret as it was and is
// reported as Remediation Failed with the calls that were made.
func TestFailedRemedy(t *testing.T) {
	e := newEnv(t)
	arn, res, err := e.reconcileTagFailing("app/denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform: secretsmanager:TagResource"})
	if err != nil {
		t.Fatal(err)
	}
	c := check(t, res, baseline.CheckRequiredTags)
	if c.Outcome != engine.OutcomeFailed || len(c.Calls) != 1 || !strings.Contains(c.Calls[0].Outcome, "AccessDenied") || c.Fix == "" {
		t.Fatalf("%s %+v (%s)", c.Outcome, c.Calls, c.Why)
	}
	if got := e.events.types(t); !slices.Equal(got, []string{outcome.TypeFailed}) {
		t.Errorf("events %v", got)
	}
	if len(e.observe(arn).Tags) != 0 {
		t.Error("the secret changed")
	}
}

// tagFails is Secrets Manager whose TagResource fails with err.
type tagFails struct {
	engine.SecretsAPI
	err error
}

func (f tagFails) TagResource(context.Context, *secretsmanager.TagResourceInput, ...func(*secretsmanager.Options)) (*secretsmanager.TagResourceOutput, error) {
	return nil, f.err
}

// reconcileTagFailing creates an untagged secret and reconciles it, with
// required-tags in remediate mode and TagResource failing with tagErr.
func (e *env) reconcileTagFailing(name string, tagErr error) (string, engine.Result, error) {
	e.t.Helper()
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	arn := e.create(name, nil)
	eng := e.engine()
	eng.NewSecrets = func(cfg aws.Config) engine.SecretsAPI {
		return tagFails{e.aws.wrap(secretsmanager.NewFromConfig(cfg)), tagErr}
	}
	res, err := eng.Start().Reconcile(e.ctx, engine.Request{SecretID: arn, Hints: remedies.Hints{Creator: creator}})
	return arn, res, err
}

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestDeletedWhileRemediating: a secret deleted between the observation and
// the change is a no-op, not a failure.
func TestDeletedWhileRemediating(t *testing.T) {
	e := newEnv(t)
	arn, res, err := e.reconcileTagFailing("app/vanishing", &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret."})
	if err != nil || !res.Gone {
		t.Fatalf("%+v %v", res, err)
	}
	if c := check(t, res, baseline.CheckRequiredTags); c.Outcome != engine.OutcomeNotApplicable || len(e.events.types(t)) != 0 || len(e.history(arn)) != 0 {
		t.Errorf("outcome %s, events %v", c.Outcome, e.events.types(t))
	}
}
