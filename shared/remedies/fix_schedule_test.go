package remedies_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
)

func TestFixScheduleMoto(t *testing.T) {
	e := newEnv(t)
	fn := e.rotationLambda()
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/slow")})
	if _, err := e.sm.RotateSecret(e.ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String(fn),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(200)}, RotateImmediately: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	e.clearPending(arn) // moto leaves AWSPENDING behind; AWS's testSecret step would not

	plan, after := e.remediate(arn, baseline.CheckRotationSchedule, remedies.Hints{})
	if after.RotationRules.AutomaticallyAfterDays != 90 || after.RotationLambdaARN != fn {
		t.Errorf("after: rules %+v function %q; want every 90 days with %s", after.RotationRules, after.RotationLambdaARN, fn)
	}
	if len(plan.Undo) != 1 {
		t.Fatalf("undo %+v", plan.Undo)
	}
	undo := plan.Undo[0].Input.(*secretsmanager.RotateSecretInput)
	if aws.ToInt64(undo.RotationRules.AutomaticallyAfterDays) != 200 || aws.ToBool(undo.RotateImmediately) || aws.ToString(undo.RotationLambdaARN) != fn {
		t.Errorf("undo restores %+v", undo)
	}
}

// TestFixScheduleExpression uses the AWS-like fake: moto ignores
// ScheduleExpression and Duration. A cron that can leave months between
// rotations becomes AutomaticallyAfterDays (the expression dropped: the two
// are exclusive), the window is kept, and undo restores the expression.
func TestFixScheduleExpression(t *testing.T) {
	ctx := ctxFor(t)
	b := testBaseline(t)
	f := newFake("arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/cron-AbCdEf")
	f.s.RotationEnabled, f.s.RotationLambdaARN = true, rotateFn
	f.s.RotationRules = secret.RotationRules{ScheduleExpression: "cron(0 4 1 */6 ? *)", Duration: "3h"}

	s, err := f.observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	finding := evaluate(t, b, baseline.CheckRotationSchedule, s)
	if finding.Compliance != checks.NonCompliant || finding.Remedy != baseline.RemedyFixSchedule {
		t.Fatalf("before: %+v", finding)
	}
	r, _ := remedies.ByID(baseline.RemedyFixSchedule)
	c := remedies.Clients{Secrets: f}
	plan, after := f.remediate(t, ctx, c, r, input(b, s, finding))
	want := secret.RotationRules{AutomaticallyAfterDays: 90, Duration: "3h"}
	if after.RotationRules != want || after.RotationLambdaARN != rotateFn {
		t.Errorf("after: %+v %q, want %+v with %s", after.RotationRules, after.RotationLambdaARN, want, rotateFn)
	}
	if f := evaluate(t, b, baseline.CheckRotationSchedule, after); f.Compliance != checks.Compliant {
		t.Errorf("after: %+v", f)
	}
	if p, err := r.Plan(ctx, c, input(b, after, finding)); err != nil || !p.Empty() {
		t.Errorf("second plan %+v %v", p.Calls, err)
	}
	if _, err := remedies.Apply(ctx, c, plan.Undo); err != nil {
		t.Fatal(err)
	}
	undone, _ := f.observe(ctx)
	if undone.RotationRules.ScheduleExpression != "cron(0 4 1 */6 ? *)" || undone.RotationRules.Duration != "3h" {
		t.Errorf("undo left %+v", undone.RotationRules)
	}
}

// TestFixScheduleDuration: a window that does not fit a day is dropped.
func TestFixScheduleDuration(t *testing.T) {
	b := testBaseline(t)
	s := &secret.Snapshot{RotationEnabled: true, RotationLambdaARN: rotateFn, Name: "app/x",
		RotationRules: secret.RotationRules{ScheduleExpression: "rate(200 days)", AutomaticallyAfterDays: 200, Duration: "30h"}}
	if err := s.SetARN("arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/x-AbCdEf"); err != nil {
		t.Fatal(err)
	}
	r, _ := remedies.ByID(baseline.RemedyFixSchedule)
	plan, err := r.Plan(ctxFor(t), remedies.Clients{}, input(b, s, checks.Finding{}))
	if err != nil {
		t.Fatal(err)
	}
	got := plan.Calls[0].Input.(*secretsmanager.RotateSecretInput).RotationRules
	if aws.ToInt64(got.AutomaticallyAfterDays) != 90 || got.ScheduleExpression != nil || got.Duration != nil {
		t.Errorf("rules %+v, want only AutomaticallyAfterDays 90", got)
	}
	undo := plan.Undo[0].Input.(*secretsmanager.RotateSecretInput).RotationRules
	if aws.ToString(undo.ScheduleExpression) != "rate(200 days)" || undo.AutomaticallyAfterDays != nil {
		t.Errorf("undo rules %+v: want the expression alone (the days beside it are derived)", undo)
	}
}
