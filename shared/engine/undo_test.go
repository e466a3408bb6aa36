package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/remedies"
)

// tightened creates a secret with a public policy and lets the engine
// tighten it; it returns the secret and the remediation ID.
func tightened(t *testing.T, e *env) (string, string) {
	t.Helper()
	e.mode(baseline.CheckNoPublicPolicy, baseline.ModeRemediate)
	arn := e.create("app/undo", nil)
	if _, err := e.sm.PutResourcePolicy(e.ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(publicPolicy)}); err != nil {
		t.Fatal(err)
	}
	c := check(t, e.reconcile(arn, remedies.Hints{}), baseline.CheckNoPublicPolicy)
	if c.Outcome != engine.OutcomeRemediated || c.ID == "" {
		t.Fatalf("tighten: %s %s", c.Outcome, c.Why)
	}
	return arn, c.ID
}

func TestUndoRestoresTightenedPolicy(t *testing.T) {
	e := newEnv(t)
	arn, id := tightened(t, e)
	eng := e.engine()
	preview, err := eng.Undo(e.ctx, id, true)
	if err != nil || len(preview.Calls) != 1 || preview.Calls[0].Outcome != "dry-run" {
		t.Fatalf("dry run: %+v %v", preview, err)
	}
	if p := e.observe(arn).ResourcePolicy; p == publicPolicy {
		t.Fatal("the dry run undid the change")
	}
	res, err := eng.Undo(e.ctx, id, false)
	if err != nil {
		t.Fatal(err)
	}
	if p := e.observe(arn).ResourcePolicy; canonicalJSON(t, p) != canonicalJSON(t, publicPolicy) {
		t.Errorf("policy after undo: %s", p)
	}
	if res.Compliance != checks.NonCompliant || !strings.HasPrefix(res.Waiver, "secretguard:waive:no-public-policy=") {
		t.Errorf("undo result %+v", res)
	}
	h := e.history(arn)
	if len(h) != 2 || h[0].Decision != "undone" || h[0].UndoOf != id || h[0].Calls[0].Outcome != remedies.OutcomeOK {
		t.Errorf("history %+v", h)
	}
	if _, err := eng.Undo(e.ctx, id, false); !errors.Is(err, engine.ErrNothingToUndo) || !strings.Contains(err.Error(), "already undone") {
		t.Errorf("second undo: %v", err)
	}
}

func TestUndoRefusesWhenChanged(t *testing.T) {
	e := newEnv(t)
	arn, id := tightened(t, e)
	mine := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	if _, err := e.sm.PutResourcePolicy(e.ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(mine)}); err != nil {
		t.Fatal(err)
	}
	_, err := e.engine().Undo(e.ctx, id, false)
	if !errors.Is(err, engine.ErrChanged) || !strings.Contains(err.Error(), "resource policy") {
		t.Fatalf("undo: %v", err)
	}
	if p := e.observe(arn).ResourcePolicy; canonicalJSON(t, p) != canonicalJSON(t, mine) {
		t.Errorf("undo overwrote the newer policy: %s", p)
	}
	if _, err := e.engine().Undo(e.ctx, "rem-unknown", false); err == nil {
		t.Error("undo of an unknown ID succeeded")
	}
}

// TestUndoTagsRefusesChangedTag: add-tags' undo removes the keys it added,
// unless someone has set one of them since.
func TestUndoTagsRefusesChangedTag(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	arn := e.create("app/tags-undo", map[string]string{"environment": "prod"})
	id := check(t, e.reconcile(arn, remedies.Hints{Creator: creator}), baseline.CheckRequiredTags).ID
	if _, err := e.sm.TagResource(e.ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(arn),
		Tags: tagList(map[string]string{"owner": "team-risk"})}); err != nil {
		t.Fatal(err)
	}
	_, err := e.engine().Undo(e.ctx, id, false)
	if !errors.Is(err, engine.ErrChanged) || !strings.Contains(err.Error(), `tag owner is now "team-risk"; the remediation left "team-payments"`) {
		t.Fatalf("undo: %v", err)
	}
}
