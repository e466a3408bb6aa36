package engine_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
)

const publicPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

// TestEachRemedyThroughEngine runs every remedy through the engine on moto
// (with the awsLike wrapper where moto differs from AWS): the check fails,
// the engine remediates, the check passes on the re-observed secret, a
// Secret Remediated event and a ledger entry tell it, and a second
// reconcile changes nothing.
func TestEachRemedyThroughEngine(t *testing.T) {
	cases := []struct {
		check  string
		remedy string
		setup  func(e *env) string
		after  func(t *testing.T, e *env, arn string)
	}{
		{baseline.CheckRequiredTags, baseline.RemedyAddTags,
			func(e *env) string { return e.create("app/tags", nil) },
			func(t *testing.T, e *env, arn string) {
				tags := e.observe(arn).Tags
				if tags["owner"] != "team-payments" || tags["environment"] != "dev" || tags[remedies.RotationStatusTag] != "disabled" {
					t.Errorf("tags %v", tags)
				}
			}},
		{baseline.CheckRotationEnabled, baseline.RemedyEnableRotation,
			func(e *env) string { e.rotationFunction(); return e.create("app/rotation", nil) },
			func(t *testing.T, e *env, arn string) {
				if s := e.observe(arn); !s.RotationEnabled || !strings.HasSuffix(s.RotationLambdaARN, ":function:rotate") {
					t.Errorf("rotation %v %q", s.RotationEnabled, s.RotationLambdaARN)
				}
			}},
		{baseline.CheckRotationSchedule, baseline.RemedyFixSchedule,
			func(e *env) string {
				fn := e.rotationFunction()
				arn := e.create("app/schedule", nil)
				_, err := e.aws.wrap(e.sm).RotateSecret(e.ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String(fn),
					RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(200)}, RotateImmediately: aws.Bool(false)})
				if err != nil {
					e.t.Fatal(err)
				}
				return arn
			},
			func(t *testing.T, e *env, arn string) {
				if d := e.observe(arn).RotationRules.AutomaticallyAfterDays; d != 90 {
					t.Errorf("schedule every %d days, want 90", d)
				}
			}},
		{baseline.CheckCMK, baseline.RemedyUseCMK,
			func(e *env) string { e.key(region); return e.create("app/cmk", nil) },
			func(t *testing.T, e *env, arn string) {
				if k := e.observe(arn).KMSKeyID; !strings.Contains(k, ":key/") {
					t.Errorf("key %q", k)
				}
			}},
		{baseline.CheckNoPublicPolicy, baseline.RemedyTightenPolicy,
			func(e *env) string {
				arn := e.create("app/public", nil)
				if _, err := e.sm.PutResourcePolicy(e.ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(publicPolicy)}); err != nil {
					e.t.Fatal(err)
				}
				return arn
			},
			func(t *testing.T, e *env, arn string) {
				if p := e.observe(arn).ResourcePolicy; !strings.Contains(p, org) {
					t.Errorf("policy %s, want the organisation condition", p)
				}
			}},
		{baseline.CheckReplication, baseline.RemedyReplicate,
			func(e *env) string { e.key("eu-west-1"); return e.create("dr/payments", nil) },
			func(t *testing.T, e *env, arn string) {
				s := e.observe(arn)
				if len(s.Replicas) != 1 || s.Replicas[0].Region != "eu-west-1" || !strings.Contains(s.Replicas[0].KMSKeyID, "eu-west-1") {
					t.Errorf("replicas %+v", s.Replicas)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.remedy, func(t *testing.T) {
			e := newEnv(t)
			e.mode(tc.check, baseline.ModeRemediate)
			arn := tc.setup(e)
			res := e.reconcile(arn, remedies.Hints{Creator: creator})
			c := check(t, res, tc.check)
			if c.Outcome != engine.OutcomeRemediated || c.ComplianceAfter != checks.Compliant || c.Remedy != tc.remedy {
				t.Fatalf("%s: outcome %s, after %s, remedy %s (%s)", tc.check, c.Outcome, c.ComplianceAfter, c.Remedy, c.Why)
			}
			if len(c.Calls) == 0 || c.Calls[0].Outcome != remedies.OutcomeOK || c.Before == nil || c.After == nil || c.Fix == "" {
				t.Errorf("result lacks calls, states or fix: %+v", c)
			}
			tc.after(t, e, arn)
			if h := e.history(arn); len(h) != 1 || h[0].ID != c.ID || h[0].Decision != "remediated" {
				t.Errorf("ledger %+v", h)
			}
			if got := e.events.types(t); !slices.Equal(got, []string{outcome.TypeRemediated}) {
				t.Errorf("events %v", got)
			}
			again := e.reconcile(arn, remedies.Hints{Creator: creator})
			if c := check(t, again, tc.check); c.Outcome != engine.OutcomeCompliant || len(c.Calls) != 0 {
				t.Errorf("second run: %s %+v", c.Outcome, c.Calls)
			}
			if len(e.events.types(t)) != 1 || len(e.history(arn)) != 1 {
				t.Errorf("second run recorded or sent something")
			}
		})
	}
}

// TestEnableRotationForRotatedRecently: enable-rotation is rotated-recently's
// remedy too, but that check passes only after the first rotation. The
// engine says so (remediated-pending, a Secret Remediated event whose
// compliance stays NON_COMPLIANT) instead of reporting a failure.
func TestEnableRotationForRotatedRecently(t *testing.T) {
	e := newEnv(t)
	e.rotationFunction()
	arn := e.create("app/old", nil)
	e.now = func() time.Time { return time.Now().Add(200 * 24 * time.Hour) } // created 200 days ago
	e.mode(baseline.CheckRotatedRecently, baseline.ModeRemediate)
	c := check(t, e.reconcile(arn, remedies.Hints{}), baseline.CheckRotatedRecently)
	if c.Outcome != engine.OutcomePending || c.ComplianceAfter != checks.NonCompliant || !strings.Contains(c.Why, "after the first rotation") {
		t.Fatalf("outcome %s after %s why %q", c.Outcome, c.ComplianceAfter, c.Why)
	}
	ev := e.events.sent(t)
	if len(ev) != 1 || ev[0].DetailType != outcome.TypeRemediated || ev[0].Detail.Compliance != "NON_COMPLIANT" {
		t.Errorf("events %+v", ev)
	}
	if !e.observe(arn).RotationEnabled {
		t.Error("rotation is off")
	}
}

// TestBlockPublicPolicy: the tightened policy goes with BlockPublicPolicy,
// which AWS enforces (the awsLike wrapper does; moto does not) — a policy
// that stays public would be refused there.
func TestBlockPublicPolicy(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckNoPublicPolicy, baseline.ModeRemediate)
	e.b.Organization.ID = "" // nothing to restrict to: the statement goes, the policy is deleted
	arn := e.create("app/open", nil)
	if _, err := e.sm.PutResourcePolicy(e.ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(publicPolicy)}); err != nil {
		t.Fatal(err)
	}
	c := check(t, e.reconcile(arn, remedies.Hints{}), baseline.CheckNoPublicPolicy)
	if c.Outcome != engine.OutcomeRemediated || len(c.Calls) != 1 || c.Calls[0].Operation != "DeleteResourcePolicy" {
		t.Fatalf("%s %+v", c.Outcome, c.Calls)
	}
	_, err := e.aws.wrap(e.sm).PutResourcePolicy(e.ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn),
		ResourcePolicy: aws.String(publicPolicy), BlockPublicPolicy: aws.Bool(true)})
	if err == nil || !strings.Contains(err.Error(), "PublicPolicyException") {
		t.Errorf("public policy with BlockPublicPolicy: %v", err)
	}
}
