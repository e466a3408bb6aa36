package revoke

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/resourcepolicy"
	"github.com/secretguard/secretguard/shared/secret"
)

const origPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AppRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app-reader"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

// assertDeny checks that doc keeps the original statement and adds the
// incident's Deny sparing exactly the given principals.
func assertDeny(t *testing.T, doc, incident string, exempt ...string) {
	t.Helper()
	p, err := resourcepolicy.Parse(doc)
	if err != nil {
		t.Fatalf("policy with the Deny does not parse: %v\n%s", err, doc)
	}
	orig, _ := resourcepolicy.Parse(origPolicy)
	if len(p.Statements) != 2 || p.Statements[0].Sid != "AppRead" || !samePolicy(mustJSON(t, &resourcepolicy.Policy{Version: p.Version, Statements: p.Statements[:1]}), origPolicy) {
		t.Fatalf("want the original statement then the Deny, got %+v (original %+v)", p.Statements, orig.Statements)
	}
	d := p.Statements[1]
	slices.Sort(exempt)
	switch {
	case d.Sid != DenySid(incident) || !strings.HasPrefix(d.Sid, SidPrefix):
		t.Errorf("Sid = %q, want %q", d.Sid, DenySid(incident))
	case d.Effect != "Deny" || d.Principal == nil || !d.Principal.Wildcard:
		t.Errorf("want Deny for Principal *, got %s %+v", d.Effect, d.Principal)
	case !slices.Equal(d.Action, []string{"secretsmanager:*"}) || !slices.Equal(d.Resource, []string{"*"}):
		t.Errorf("Action %v Resource %v", d.Action, d.Resource)
	case !slices.Equal(d.Condition["ArnNotLike"]["aws:PrincipalArn"], exempt):
		t.Errorf("ArnNotLike aws:PrincipalArn = %v, want %v", d.Condition["ArnNotLike"]["aws:PrincipalArn"], exempt)
	case !slices.Equal(d.Condition["Bool"]["aws:PrincipalIsAWSService"], []string{"false"}) || len(d.Condition) != 2:
		t.Errorf("conditions = %v", d.Condition)
	}
}

func mustJSON(t *testing.T, p *resourcepolicy.Policy) string {
	t.Helper()
	s, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func progressOf(t *testing.T, item map[string]ddbtypes.AttributeValue) progress {
	t.Helper()
	var p progress
	if err := json.Unmarshal([]byte(attrS(item, "progress")), &p); err != nil {
		t.Fatalf("progress: %v", err)
	}
	return p
}

func revokedDetail(t *testing.T, ev receivedEvent) (outcome.Detail, SecretReport) {
	t.Helper()
	var d outcome.Detail
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		t.Fatal(err)
	}
	if ev.Source != outcome.Source || ev.DetailType != outcome.TypeRevoked || d.Validate(ev.DetailType) != nil {
		t.Fatalf("event %s / %s: %v", ev.Source, ev.DetailType, d.Validate(ev.DetailType))
	}
	var r SecretReport
	if err := json.Unmarshal(d.Report, &r); err != nil {
		t.Fatalf("detail.report: %v", err)
	}
	return d, r
}

func TestDenyAddedAndLifted(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("prod/payments/db", origPolicy, true, map[string]string{"owner": "payments"})
	before := current(e.snap(arn))
	r := e.runner(nil) // moto's CloudTrail: no LookupEvents
	var during string
	r.failAfter = func(secretARN, step string) error {
		if step == StepDeny {
			during = e.policy(secretARN)
		}
		return nil
	}
	rep, err := r.Run(e.ctx, Request{Secrets: []string{"prod/payments/db"}, Reason: "pasted in a gist", IncidentID: "INC-42", BreakGlassRole: breakGlass})
	if err != nil {
		t.Fatal(err)
	}
	assertDeny(t, during, "INC-42", breakGlass, motoCaller, rotRole)
	if got := e.policy(arn); got != origPolicy {
		t.Errorf("after the lift the policy is\n%s\nwant the original exactly\n%s", got, origPolicy)
	}
	if !strings.HasPrefix(rep.Summary, "OK incident INC-42: access cut on 1/1 secret(s), credential replaced on 1/1") || !rep.OK {
		t.Errorf("summary %q", rep.Summary)
	}
	s := rep.Secrets[0]
	if s.Status != StatusRevoked || !strings.HasPrefix(s.Headline, "ACCESS CUT, CREDENTIAL REPLACED: rotated 1 time(s)") || s.DenyInPlace {
		t.Errorf("secret report %s: %s", s.Status, s.Headline)
	}
	if cur := current(e.snap(arn)); cur == before || cur != rotationToken("INC-42", arn, 0, 0) || !e.hasStage(arn, before, secret.StagePrevious) {
		t.Errorf("AWSCURRENT %s (was %s), want the revoker's version", cur, before)
	}
	ev := s.Evidence
	if ev == nil || ev.CloudTrail.Status != TrailUnavailable || ev.ResourcePolicy != origPolicy || len(ev.Versions) == 0 || !ev.Secret.RotationEnabled {
		t.Errorf("evidence %+v", ev)
	}
	var steps []string
	for _, st := range s.Steps {
		steps = append(steps, st.Step+":"+st.Status)
	}
	want := []string{"evidence:done", "deny:done", "rotate:done", "sessions:skipped", "lift:done", "emit:done"}
	if !slices.Equal(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}

	item := e.item("INC-42", arn)
	ttl, _ := strconv.ParseInt(attrN(item, "ttl"), 10, 64)
	p := progressOf(t, item)
	if attrS(item, "status") != StatusRevoked || attrS(item, "owner") != "" || ttl < time.Now().Add(80*24*time.Hour).Unix() ||
		p.PreviousPolicy != origPolicy || !p.DenyLifted || !p.Done[StepLift] || p.Emitted != StatusRevoked {
		t.Errorf("state item: status %q owner %q ttl %d progress %+v", attrS(item, "status"), attrS(item, "owner"), ttl, p)
	}

	evs := e.events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	d, sr := revokedDetail(t, evs[0])
	if d.Severity != outcome.SeverityCritical || d.IncidentID != "INC-42" || d.SecretARN != arn || d.Owner != "payments" ||
		d.ID != EventID("INC-42", arn, StatusRevoked) || sr.Headline != d.Annotation || sr.Status != StatusRevoked || !slices.Equal(evs[0].Resources, []string{arn}) {
		t.Errorf("event detail %+v, report %s", d, sr.Headline)
	}
}

func TestSessionsRevoked(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("prod/payments/db", origPolicy, true, nil)
	now := time.Now()
	trail := &fakeTrail{events: []cttypes.Event{
		readEvent("prod/payments/db", "arn:aws:iam::123456789012:role/app-reader", "app-reader", "", now.Add(-time.Hour)),
		readEvent(arn, "arn:aws:iam::123456789012:role/app-reader", "app-reader", "", now.Add(-2*time.Hour)),
		readEvent(arn, breakGlass, "break-glass", "", now.Add(-time.Hour)),
		readEvent(arn, rotRole, "rotation", "", now.Add(-time.Hour)),
		readEvent(arn, "arn:aws:iam::123456789012:role/other-reader", "other-reader", "AccessDenied", now.Add(-time.Hour)),
		readEvent(arn, "arn:aws:iam::444455556666:role/partner", "partner", "", now.Add(-time.Hour)),
		readEvent("prod/other", "arn:aws:iam::123456789012:role/other-reader", "other-reader", "", now.Add(-time.Hour)),
	}}
	rep, err := e.runner(trail).Run(e.ctx, Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-43", RevokeSessions: true, BreakGlassRole: breakGlass})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Secrets[0]
	if s.Evidence.CloudTrail.Status != TrailOK || len(s.Evidence.CloudTrail.Callers) != 5 || s.Evidence.CloudTrail.Events != 6 {
		t.Errorf("cloudtrail evidence %+v", s.Evidence.CloudTrail)
	}
	doc, ok := e.rolePolicy("app-reader")
	if !ok {
		t.Fatalf("app-reader has no %s policy; report:\n%+v", RevokeSessionsPolicyName, s.Steps)
	}
	var pol struct {
		Statement []struct {
			Effect    string
			Action    []string
			Resource  []string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(doc), &pol); err != nil || len(pol.Statement) != 1 {
		t.Fatalf("policy %s: %v", doc, err)
	}
	st := pol.Statement[0]
	issued, err := time.Parse(time.RFC3339, st.Condition["DateLessThan"]["aws:TokenIssueTime"])
	if st.Effect != "Deny" || !slices.Equal(st.Action, []string{"*"}) || !slices.Equal(st.Resource, []string{"*"}) || err != nil ||
		issued.Before(now.Add(-time.Minute)) || issued.After(time.Now().Add(time.Minute)) {
		t.Errorf("revoke-sessions policy %s", doc)
	}
	for _, role := range []string{"break-glass", "rotation", "other-reader"} {
		if _, ok := e.rolePolicy(role); ok {
			t.Errorf("%s's sessions were revoked", role)
		}
	}
	if !slices.ContainsFunc(s.Problems, func(p string) bool { return strings.Contains(p, "444455556666:role/partner") }) {
		t.Errorf("the other account's reader is not reported: %v", s.Problems)
	}
}

func TestResumeAfterCrash(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("prod/payments/db", origPolicy, true, nil)
	req := Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-44", BreakGlassRole: breakGlass}
	r := e.runner(nil)
	crash := errors.New("injected crash")
	r.failAfter = func(_, step string) error {
		if step == StepDeny {
			return crash
		}
		return nil
	}
	rep, err := r.Run(e.ctx, req)
	if !errors.Is(err, crash) || rep == nil {
		t.Fatalf("first run: %v", err)
	}
	assertDeny(t, e.policy(arn), "INC-44", breakGlass, motoCaller, rotRole)
	if p := progressOf(t, e.item("INC-44", arn)); !p.Done[StepDeny] || p.Done[StepRotate] || len(e.fake.tokens()) != 0 {
		t.Fatalf("after the crash: progress %+v, rotations %v", p, e.fake.tokens())
	}

	e.counter.Reset()
	rep, err = e.runner(nil).Run(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Secrets[0]
	if s.Status != StatusRevoked || s.Runs != 2 || len(e.fake.tokens()) != 1 {
		t.Fatalf("second run: %s (%d runs, rotations %v): %s", s.Status, s.Runs, e.fake.tokens(), s.Headline)
	}
	var denies int
	for _, st := range s.Steps {
		if st.Step == StepDeny {
			denies++
		}
	}
	if puts := e.counter.Counts()["secretsmanager:PutResourcePolicy"]; denies != 1 || puts != 1 {
		t.Errorf("deny step ran %d time(s); PutResourcePolicy in the second run %d time(s), want 1 (the lift)", denies, puts)
	}
	if got := e.policy(arn); got != origPolicy {
		t.Errorf("policy after resume:\n%s", got)
	}
	if evs := e.events(); len(evs) != 1 {
		t.Errorf("%d events, want 1", len(evs))
	}
}
