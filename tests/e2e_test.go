package tests

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/tests/lab"
)

const (
	compliant     = string(checks.Compliant)
	nonCompliant  = string(checks.NonCompliant)
	notApplicable = string(checks.NotApplicable)
)

// verdict is the expected verdict of one check on one seeded secret, and
// words its annotation must contain.
type verdict struct{ secret, check, compliance, says string }

// TestFlow runs the demo's story with the built binaries and asserts the
// end state: what the first sweep finds, that the remediator fixes what
// the baseline lets it fix (and a replay changes nothing), that ticket-mode
// findings reach the webhook signed, that a person's fix resolves its
// ticket, what the second sweep finds, and that the revoker cuts access.
func TestFlow(t *testing.T) {
	l := newLab(t)
	ctx := testContext(t, 3*time.Minute)
	ids := arns(l)

	_, before, err := l.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if n := len(before[id]); n != len(checks.IDs()) {
			t.Errorf("%s: %d verdicts after the sweep, want one per check (%d)", lab.SecretName(id), n, len(checks.IDs()))
		}
	}
	expect(t, l, before, []verdict{
		{"app/untagged", "required-tags", nonCompliant, "owner, environment"},
		{"app/bad-env", "required-tags", nonCompliant, "production"},
		{"app/public-config", "no-public-policy", nonCompliant, "AnyoneCanRead"},
		{"app/partner-feed", "no-public-policy", nonCompliant, "999988887777"},
		{"app/checkout", "no-public-policy", compliant, ""},
		{"app/legacy-blob", "cmk", nonCompliant, "aws/secretsmanager"},
		{"api-key/stripe", "rotation-schedule", nonCompliant, "90 days"},
		{"db/orders/primary", "rotation-enabled", nonCompliant, "Rotation is off"},
		{"vendor/datadog", "rotation-enabled", notApplicable, "vendor rotates this key"},
		{"vendor/legacy-erp", "rotation-enabled", nonCompliant, "expired"},
		{"app/stuck-rotation", "rotation-healthy", nonCompliant, "AWSPENDING"},
		{"team+ops/app.config@v2", "required-tags", compliant, ""},
	})

	changes, err := l.ComplianceChanges(before, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if _, err := l.Remediate(ctx, c.Event); err != nil {
			t.Fatalf("%s %s: %v", lab.SecretName(c.SecretARN), c.Check, err)
		}
	}
	for _, c := range changes { // duplicate events are harmless
		r, err := l.Remediate(ctx, c.Event)
		if err != nil {
			t.Fatalf("replay %s %s: %v", lab.SecretName(c.SecretARN), c.Check, err)
		}
		for _, a := range lab.Acted(r.Result) {
			if a.Outcome == engine.OutcomeRemediated {
				t.Errorf("replay of %s %s remediated %s again: %s", lab.SecretName(c.SecretARN), c.Check, a.Check, a.Text)
			}
		}
	}
	notify(ctx, t, l)
	wantTicket(t, l, "open", "app/stuck-rotation", "rotation-healthy")
	wantTicket(t, l, "open", "app/bad-env", "required-tags")

	bad := secretARN(t, l, "app/bad-env")
	ev, err := l.TagByHand(ctx, bad, "environment", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Remediate(ctx, ev); err != nil {
		t.Fatal(err)
	}
	notify(ctx, t, l)
	wantTicket(t, l, "resolve", "app/bad-env", "required-tags")

	_, after, err := l.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var fixed []verdict
	for _, s := range []string{"app/untagged", "app/half-tagged", "svc_payments/=legacy=key", "token/github-actions", "app/bad-env"} {
		fixed = append(fixed, verdict{s, "required-tags", compliant, ""})
	}
	for _, s := range []string{"app/public-config", "app/partner-feed"} {
		fixed = append(fixed, verdict{s, "no-public-policy", compliant, ""})
	}
	for _, s := range []string{"app/legacy-blob", "db/billing/reporting", "token/github-actions"} {
		fixed = append(fixed, verdict{s, "cmk", compliant, ""})
	}
	for _, s := range []string{"db/orders/primary", "db/billing/reporting", "vendor/legacy-erp"} {
		fixed = append(fixed, verdict{s, "rotation-enabled", compliant, ""})
	}
	fixed = append(fixed, verdict{"api-key/stripe", "rotation-schedule", compliant, ""},
		verdict{"vendor/datadog", "rotation-enabled", notApplicable, ""},
		verdict{"app/stuck-rotation", "rotation-healthy", nonCompliant, ""}) // ticket mode: left to a person
	expect(t, l, after, fixed)

	req, err := l.RevokeRequest(secretARN(t, l, "prod/payments/db"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := l.Revoke(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Secrets) != 1 || !rep.Secrets[0].AccessCut || rep.Secrets[0].DenySid == "" || !strings.Contains(rep.Summary, "access cut on 1/1") {
		t.Fatalf("revoker report does not say access was cut:\n%s", text(rep.WriteText))
	}
	notify(ctx, t, l)
	wantTicket(t, l, "open", "prod/payments/db", "")

	for _, tk := range l.Sink.Tickets() {
		if !tk.SignatureOK {
			t.Errorf("webhook message %s %s: %s", tk.Action, tk.EventID, tk.Problem)
		}
	}
}

func arns(l *lab.Lab) []string {
	out := make([]string, len(l.Account.Secrets))
	for i, s := range l.Account.Secrets {
		out[i] = s.ARN
	}
	return out
}

func secretARN(t *testing.T, l *lab.Lab, name string) string {
	t.Helper()
	s, ok := l.Account.ByName(name, l.Target)
	if !ok {
		t.Fatalf("%s was not seeded", name)
	}
	return s.ARN
}

func expect(t *testing.T, l *lab.Lab, v lab.Verdicts, want []verdict) {
	t.Helper()
	for _, w := range want {
		e, ok := v[secretARN(t, l, w.secret)][w.check]
		switch {
		case !ok:
			t.Errorf("%s %s: no evaluation recorded", w.secret, w.check)
		case e.Compliance != w.compliance:
			t.Errorf("%s %s: %s (%s), want %s", w.secret, w.check, e.Compliance, e.Annotation, w.compliance)
		case !strings.Contains(e.Annotation, w.says):
			t.Errorf("%s %s: annotation %q does not say %q", w.secret, w.check, e.Annotation, w.says)
		}
	}
}

// notify drains the notifier's queue into the notifier; every record must
// be applied.
func notify(ctx context.Context, t *testing.T, l *lab.Lab) {
	t.Helper()
	msgs, err := l.Drain(ctx, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lab.Outcomes(msgs); err != nil {
		t.Fatalf("the bus carried an event the notifier cannot read: %v", err)
	}
	failed, err := l.Notify(ctx, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) > 0 {
		t.Fatalf("the notifier failed %d of %d records: %v", len(failed), len(msgs), failed)
	}
}

// wantTicket asserts the webhook received action for a secret and check
// ("" for a revocation).
func wantTicket(t *testing.T, l *lab.Lab, action, secret, check string) {
	t.Helper()
	arn := secretARN(t, l, secret)
	var seen []string
	for _, tk := range l.Sink.Tickets() {
		p := tk.Payload.Ticket
		if p == nil {
			continue
		}
		revoked := check == "" && p.DetailType == outcome.TypeRevoked
		if tk.Action == action && p.SecretARN == arn && (p.Check == check && check != "" || revoked) {
			return
		}
		seen = append(seen, tk.Action+" "+lab.SecretName(p.SecretARN)+" "+p.Check)
	}
	t.Errorf("no webhook %s for %s %s; received: %v", action, secret, check, seen)
}

func text(write func(w io.Writer) error) string {
	var b strings.Builder
	_ = write(&b)
	return b.String()
}
