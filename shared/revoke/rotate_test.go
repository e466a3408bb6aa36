package revoke

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// Rotation completion and failure are faked at the interface (rotatingSM):
// moto's rotation moves stages unlike AWS.

func TestAlternatingUsersRotatesTwice(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("app/db-admin", "", true, map[string]string{baseline.StrategyTag: baseline.StrategyAlternatingUsers})
	before := current(e.snap(arn))
	rep, err := e.runner(nil).Run(e.ctx, Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-50"})
	if err != nil {
		t.Fatal(err)
	}
	s, toks := rep.Secrets[0], e.fake.tokens()
	if s.Status != StatusRevoked || s.Rotations != 2 || len(toks) != 2 || toks[0] == toks[1] {
		t.Fatalf("%s, %d rotations, tokens %v: %s", s.Status, s.Rotations, toks, s.Headline)
	}
	// The previous user's credential (AWSPREVIOUS) is the first rotation's,
	// not the compromised one.
	sn := e.snap(arn)
	if current(sn) != toks[1] || !e.hasStage(arn, toks[0], secret.StagePrevious) || e.hasStage(arn, before, secret.StagePrevious) {
		t.Errorf("stages %v, tokens %v, compromised version %s", sn.VersionStages, toks, before)
	}
	if e.policy(arn) != "" {
		t.Errorf("a secret without a policy must have none after the lift, got %s", e.policy(arn))
	}
}

func TestRotationFailureKeepsDenyThenResumes(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("prod/payments/db", origPolicy, true, nil)
	e.fake.fail = true
	req := Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-51", RotationTimeoutSeconds: 1}
	rep, err := e.runner(nil).Run(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Secrets[0]
	if rep.OK || !strings.HasPrefix(rep.Summary, "FAILED incident INC-51: access cut on 1/1 secret(s), credential replaced on 0/1; Deny still in place on 1 (fail closed)") {
		t.Errorf("summary %q", rep.Summary)
	}
	if s.Status != StatusRotationFailed || !strings.HasPrefix(s.Headline, "ACCESS CUT, CREDENTIAL NOT REPLACED: rotation failed (") ||
		!strings.Contains(s.Headline, "the Deny stays (fail closed)") || !s.DenyInPlace {
		t.Errorf("%s: %s", s.Status, s.Headline)
	}
	assertDeny(t, e.policy(arn), "INC-51", motoCaller, rotRole)
	evs := e.events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	if d, sr := revokedDetail(t, evs[0]); sr.Status != StatusRotationFailed || !strings.Contains(d.Annotation, "fail closed") {
		t.Errorf("event: %s %s", sr.Status, d.Annotation)
	}

	// A human fixes the rotation function, which finishes the pending
	// version; invoking again resumes: no new rotation, the Deny is lifted
	// and a new event reports the new outcome.
	tok := e.fake.tokens()[0]
	e.moveStage(arn, secret.StageCurrent, tok, current(e.snap(arn)))
	e.moveStage(arn, secret.StagePending, "", tok)
	rep, err = e.runner(nil).Run(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if s = rep.Secrets[0]; s.Status != StatusRevoked || len(e.fake.tokens()) != 1 || !rep.OK {
		t.Fatalf("after the fix: %s, tokens %v: %s", s.Status, e.fake.tokens(), s.Headline)
	}
	if e.policy(arn) != origPolicy {
		t.Errorf("policy not restored: %s", e.policy(arn))
	}
	evs = e.events()
	if len(evs) != 1 {
		t.Fatalf("%d events after the fix", len(evs))
	}
	if d, _ := revokedDetail(t, evs[0]); d.ID != EventID("INC-51", arn, StatusRevoked) {
		t.Errorf("event id %s", d.ID)
	}
}

func TestWaitsForRotationInProgress(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("prod/payments/db", "", true, nil)
	const pending = "0f0f0f0f-1111-2222-3333-444444444444"
	must[*secretsmanager.PutSecretValueOutput](t, "PutSecretValue")(e.sm.PutSecretValue(e.ctx, &secretsmanager.PutSecretValueInput{
		SecretId: &arn, ClientRequestToken: aws.String(pending), SecretString: aws.String("p"), VersionStages: []string{secret.StagePending}}))
	// The scheduled rotation finishes on the 5th DescribeSecret: preflight,
	// evidence and the rotate step's first look see it pending.
	var once sync.Once
	e.fake.onDescribe = func(n int) {
		if n >= 5 {
			once.Do(func() {
				e.moveStage(arn, secret.StageCurrent, pending, current(e.snap(arn)))
				e.moveStage(arn, secret.StagePending, "", pending)
			})
		}
	}
	rep, err := e.runner(nil).Run(e.ctx, Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-52"})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Secrets[0]
	var rot StepRecord
	for _, st := range s.Steps {
		if st.Step == StepRotate {
			rot = st
		}
	}
	if s.Status != StatusRevoked || len(e.fake.tokens()) != 1 || !strings.Contains(rot.Summary, "waited for the rotation already in progress") {
		t.Fatalf("%s, tokens %v: %s / %s", s.Status, e.fake.tokens(), s.Headline, rot.Summary)
	}
	if sn := e.snap(arn); current(sn) != e.fake.tokens()[0] || !e.hasStage(arn, pending, secret.StagePrevious) {
		t.Errorf("stages %v", sn.VersionStages)
	}
}

func TestRDSOwnedRotatesThroughRDS(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("rds!db-0a1b2c", "", false, nil)
	// moto cannot create an RDS-owned secret: DescribeSecret is amended.
	e.fake.injected[arn] = &smInjection{owningService: "rds", tags: map[string]string{TagRDSInstance: "arn:aws:rds:us-east-1:123456789012:db:payments-db"}}
	e.rds.secretARN = arn
	rep, err := e.runner(nil).Run(e.ctx, Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-53"})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Secrets[0]
	// The default baseline's database class is alternating-users, but the
	// RDS master user is one user: one rotation, through RDS.
	if s.Status != StatusRevoked || s.Rotations != 1 || len(e.fake.tokens()) != 0 || len(e.rds.clusters) != 0 {
		t.Fatalf("%s, %d rotations, RotateSecret %v, clusters %v: %s", s.Status, s.Rotations, e.fake.tokens(), e.rds.clusters, s.Headline)
	}
	if want := []rdsCall{{ID: "payments-db", Rotate: true, ApplyImmediately: true}}; !slices.Equal(e.rds.instances, want) {
		t.Errorf("ModifyDBInstance calls %+v, want %+v", e.rds.instances, want)
	}
	var deny StepRecord
	for _, st := range s.Steps {
		if st.Step == StepDeny {
			deny = st
		}
	}
	if !strings.Contains(deny.Summary, "role/aws-service-role/rds.amazonaws.com/*") {
		t.Errorf("the Deny does not spare RDS's service-linked roles: %s", deny.Summary)
	}
}

func TestNoRotationConfigured(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("prod/payments/db", origPolicy, false, nil)
	rep, err := e.runner(nil).Run(e.ctx, Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-54"})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Secrets[0]
	if rep.OK || s.Status != StatusCannotRotate || s.Headline != "ACCESS CUT, CREDENTIAL NOT REPLACED: no rotation is configured: a human must replace the credential; the Deny stays (fail closed)" {
		t.Errorf("%s: %q", s.Status, s.Headline)
	}
	if !strings.Contains(rep.Summary, "1 need a human to replace the credential") {
		t.Errorf("summary %q", rep.Summary)
	}
	assertDeny(t, e.policy(arn), "INC-54", motoCaller)
	if len(e.events()) != 1 {
		t.Error("no event for a secret a human must replace")
	}
}
