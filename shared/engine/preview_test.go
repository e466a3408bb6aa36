package engine_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/tickets"
)

// preview reconciles a secret in a new invocation of an engine in preview.
func (e *env) preview(id string, hints remedies.Hints) (engine.Result, *engine.Invocation) {
	e.t.Helper()
	eng := e.engine()
	eng.Preview = true
	inv := eng.Start()
	res, err := inv.Reconcile(e.ctx, engine.Request{SecretID: id, Hints: hints, Trigger: "test"})
	if err != nil {
		e.t.Fatalf("preview %s: %v", id, err)
	}
	return res, inv
}

// claims returns the claim items of a secret in the table.
func (e *env) claims(arn string) int {
	e.t.Helper()
	out, err := dynamodb.NewFromConfig(e.srv.Config(e.t, region)).Query(e.ctx, &dynamodb.QueryInput{TableName: aws.String(table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :c)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
			":pk": &ddbtypes.AttributeValueMemberS{Value: "secret#" + arn}, ":c": &ddbtypes.AttributeValueMemberS{Value: "claim#"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(out.Items)
}

// byType returns the events sent of one detail type.
func (r *recorder) byType(t *testing.T, detailType string) []*tickets.Event {
	var out []*tickets.Event
	for _, ev := range r.sent(t) {
		if ev.DetailType == detailType {
			out = append(out, ev)
		}
	}
	return out
}

// TestPreviewChangesNothing: in preview, a remediate-mode finding is
// recorded and sent as a dry-run Secret Remediated event with the planned
// calls, a ticket-mode finding is ticketed as usual, the secret is left as
// it was, nothing is claimed, and a second identical reconcile sends and
// records nothing new. Preview off, the same plan is applied and resolves
// the ticket.
func TestPreviewChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	e.mode(baseline.CheckNoPublicPolicy, baseline.ModeTicket)
	arn := e.create("app/preview", nil)
	if _, err := e.sm.PutResourcePolicy(e.ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(publicPolicy)}); err != nil {
		t.Fatal(err)
	}
	before := e.observe(arn)
	e.counter.Reset()
	res, inv := e.preview(arn, remedies.Hints{Creator: creator})
	if !res.Preview || res.DryRun {
		t.Errorf("result preview %v dryRun %v", res.Preview, res.DryRun)
	}

	// The secret: unchanged; no write call was sent to Secrets Manager.
	for op := range e.counter.Counts() {
		if strings.HasPrefix(op, "secretsmanager:") && !strings.HasPrefix(op, "secretsmanager:Describe") &&
			!strings.HasPrefix(op, "secretsmanager:Get") && !strings.HasPrefix(op, "secretsmanager:List") {
			t.Errorf("preview called %s", op)
		}
	}
	after := e.observe(arn)
	if !maps.Equal(before.Tags, after.Tags) || after.ResourcePolicy != before.ResourcePolicy {
		t.Errorf("the secret changed: tags %v → %v, policy %q → %q", before.Tags, after.Tags, before.ResourcePolicy, after.ResourcePolicy)
	}
	if n := e.claims(arn); n != 0 {
		t.Errorf("%d claims written in preview", n)
	}

	// The result: planned, with the exact calls.
	c := check(t, res, baseline.CheckRequiredTags)
	if c.Outcome != engine.OutcomePlanned || c.ComplianceAfter != "NON_COMPLIANT" || c.Why != engine.PreviewWhy ||
		len(c.Calls) != 1 || c.Calls[0].Outcome != "dry-run" || c.Calls[0].Operation != "TagResource" || c.Event != outcome.TypeRemediated {
		t.Fatalf("planned check %+v", c)
	}
	if inv.Changes() != 1 {
		t.Errorf("changes %d, want 1 planned", inv.Changes())
	}

	// The events: one dry-run Secret Remediated, still NON_COMPLIANT (the
	// notifier opens a ticket), and the ticket-mode finding's ticket.
	rem := e.events.byType(t, outcome.TypeRemediated)
	if len(rem) != 1 || len(e.events.sent(t)) != 2 {
		t.Fatalf("events %v", e.events.types(t))
	}
	d := rem[0].Detail
	switch {
	case !d.DryRun || d.Compliance != "NON_COMPLIANT" || d.Check != baseline.CheckRequiredTags || d.Why != engine.PreviewWhy:
		t.Errorf("remediated detail: dryRun %v compliance %s check %s why %q", d.DryRun, d.Compliance, d.Check, d.Why)
	case len(d.Calls) != 1 || d.Calls[0].Outcome != "dry-run" || !strings.Contains(string(d.Calls[0].Params), `"Key":"owner"`):
		t.Errorf("remediated calls %+v", d.Calls)
	case d.Before == nil || d.After == nil || d.Before.Tags["owner"] != "" || d.After.Tags["owner"] != "team-payments":
		t.Errorf("before %+v after %+v", d.Before, d.After)
	case !strings.HasPrefix(d.Fix, "aws secretsmanager tag-resource --region us-east-1 --secret-id "+arn) || d.ID != c.ID:
		t.Errorf("fix %q id %q (result %q)", d.Fix, d.ID, c.ID)
	case tickets.Passing(rem[0].DetailType, d):
		t.Error("the notifier would resolve the ticket of a preview")
	}
	tkt := e.events.byType(t, outcome.TypeNeedsAttention)
	if len(tkt) != 1 || tkt[0].Detail.Check != baseline.CheckNoPublicPolicy || tkt[0].Detail.DryRun || tkt[0].Detail.Fix == "" ||
		!strings.Contains(tkt[0].Detail.Why, "mode is ticket") {
		t.Errorf("ticket %+v", tkt)
	}
	if p := check(t, res, baseline.CheckNoPublicPolicy); p.Outcome != engine.OutcomeTicketed || p.ID == "" {
		t.Errorf("ticket-mode check %+v", p)
	}

	// The ledger: one planned entry for the remediation, one ticket.
	planned := func() []string {
		var ids []string
		for _, en := range e.history(arn) {
			if en.Check == baseline.CheckRequiredTags {
				ids = append(ids, en.Decision+" "+en.ID)
				if len(en.Calls) != 1 || len(en.Undo) != 0 || en.Compliance != "NON_COMPLIANT" {
					t.Errorf("planned entry %+v", en)
				}
			}
		}
		return ids
	}
	if got := planned(); !slices.Equal(got, []string{"planned " + c.ID}) || len(e.history(arn)) != 2 {
		t.Errorf("ledger %v (%d entries)", got, len(e.history(arn)))
	}
	if l, _ := e.store.Latest(e.ctx, arn); l[baseline.CheckRequiredTags].Decision != "planned" || l[baseline.CheckRequiredTags].Compliance != "NON_COMPLIANT" {
		t.Errorf("latest %+v", l[baseline.CheckRequiredTags])
	}
	if _, err := e.engine().Undo(e.ctx, c.ID, false); !errors.Is(err, engine.ErrNothingToUndo) || !strings.Contains(err.Error(), "preview") {
		t.Errorf("undo of a preview: %v", err)
	}

	// The same state again: nothing new is sent, recorded or counted.
	res, inv = e.preview(arn, remedies.Hints{Creator: creator})
	for _, id := range []string{baseline.CheckRequiredTags, baseline.CheckNoPublicPolicy} {
		if c := check(t, res, id); c.Outcome != engine.OutcomeUnchanged || c.ID != "" {
			t.Errorf("second preview, %s: %s %q", id, c.Outcome, c.ID)
		}
	}
	if len(e.events.sent(t)) != 2 || len(e.history(arn)) != 2 || inv.Changes() != 0 {
		t.Errorf("second preview: events %v, %d entries, %d changes", e.events.types(t), len(e.history(arn)), inv.Changes())
	}
	if tags := e.observe(arn).Tags; len(tags) != 0 {
		t.Errorf("tagged in preview: %v", tags)
	}

	// Preview off: the plan is applied and its Secret Remediated resolves
	// the ticket the preview opened.
	c = check(t, e.reconcile(arn, remedies.Hints{Creator: creator}), baseline.CheckRequiredTags)
	rem = e.events.byType(t, outcome.TypeRemediated)
	if c.Outcome != engine.OutcomeRemediated || len(rem) != 2 || rem[1].Detail.DryRun || !tickets.Passing(rem[1].DetailType, rem[1].Detail) {
		t.Errorf("after preview: %s, %d Secret Remediated", c.Outcome, len(rem))
	}
	if e.observe(arn).Tags["owner"] != "team-payments" {
		t.Error("not tagged once preview is off")
	}
}

// TestPreviewTicketsAsUsual: a ticket-mode finding gives the same ticket in
// preview as in normal mode.
func TestPreviewTicketsAsUsual(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeTicket)
	normal, previewed := e.create("app/normal", nil), e.create("app/previewed", nil)
	want := check(t, e.reconcile(normal, remedies.Hints{Creator: creator}), baseline.CheckRequiredTags)
	res, inv := e.preview(previewed, remedies.Hints{Creator: creator})
	got := check(t, res, baseline.CheckRequiredTags)
	if got.Outcome != engine.OutcomeTicketed || got.Event != want.Event || got.Why != want.Why || len(got.Calls) != 0 ||
		got.Fix != strings.ReplaceAll(want.Fix, normal, previewed) || inv.Changes() != 0 {
		t.Errorf("preview ticket %+v\nnormal %+v", got, want)
	}
	ev := e.events.sent(t)
	if len(ev) != 2 || ev[1].DetailType != outcome.TypeNeedsAttention || ev[1].Detail.DryRun || ev[1].Detail.SecretARN != previewed {
		t.Fatalf("events %v", e.events.types(t))
	}
	if len(e.history(previewed)) != 1 || len(e.observe(previewed).Tags) != 0 {
		t.Error("the preview ticket was not recorded, or the secret changed")
	}
}

// TestPreviewNeedsHuman: a plan that does part of the fix and leaves the
// rest to a person is ticketed, with the calls secretguard would make.
func TestPreviewNeedsHuman(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	arn := e.create("app/ownerless", nil)
	res, _ := e.preview(arn, remedies.Hints{}) // no creator: no owner value
	c := check(t, res, baseline.CheckRequiredTags)
	if c.Outcome != engine.OutcomeTicketed || len(c.Calls) != 1 || c.Calls[0].Outcome != "dry-run" || !strings.Contains(c.Why, "owner") {
		t.Fatalf("needs-human preview %+v", c)
	}
	ev := e.events.sent(t)
	if len(ev) != 1 || ev[0].DetailType != outcome.TypeNeedsAttention || !ev[0].Detail.DryRun || len(ev[0].Detail.Calls) != 1 {
		t.Errorf("events %v", e.events.types(t))
	}
	if len(e.observe(arn).Tags) != 0 {
		t.Error("the secret changed")
	}
	if c := check(t, first(e.preview(arn, remedies.Hints{})), baseline.CheckRequiredTags); c.Outcome != engine.OutcomeUnchanged || len(e.events.sent(t)) != 1 {
		t.Errorf("second preview: %s, %d events", c.Outcome, len(e.events.sent(t)))
	}
}

func first[A, B any](a A, _ B) A { return a }

// TestPreviewCap: planned changes count against the cap; a plan already
// sent on the same state does not, so the next sweep previews the secrets
// the cap held back, and a sweep that finds nothing new sends nothing.
func TestPreviewCap(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	e.b.MaxChangesPerInvocation = 1
	a := e.create("app/cap-a", map[string]string{"owner": "team-a"})
	b := e.create("app/cap-b", map[string]string{"owner": "team-b"})
	eng := e.engine()
	eng.Preview = true
	sweep := func() map[engine.Outcome]int {
		t.Helper()
		sum, err := eng.Start().Sweep(e.ctx, engine.SweepRequest{Region: region, Trigger: "test"}, nil)
		if err != nil || sum.Failed != 0 || !sum.Preview || sum.Secrets != 2 {
			t.Fatalf("sweep %+v %v", sum, err)
		}
		return sum.Outcomes
	}
	if o := sweep(); o[engine.OutcomePlanned] != 1 || o[engine.OutcomeTicketed] != 1 {
		t.Errorf("first sweep %v, want one planned, one held back by the cap", o)
	}
	if o := sweep(); o[engine.OutcomePlanned] != 1 || o[engine.OutcomeUnchanged] != 1 || o[engine.OutcomeTicketed] != 0 {
		t.Errorf("second sweep %v, want the held-back secret planned", o)
	}
	n := len(e.events.sent(t))
	if o := sweep(); o[engine.OutcomeUnchanged] != 2 || len(e.events.sent(t)) != n {
		t.Errorf("third sweep %v, %d new events", o, len(e.events.sent(t))-n)
	}
	if got := e.events.byType(t, outcome.TypeRemediated); len(got) != 2 || got[0].Detail.SecretARN == got[1].Detail.SecretARN {
		t.Errorf("dry-run Secret Remediated events %d", len(got))
	}
	for _, arn := range []string{a, b} {
		if _, ok := e.observe(arn).Tags["environment"]; ok {
			t.Errorf("%s tagged in preview", arn)
		}
	}
}
