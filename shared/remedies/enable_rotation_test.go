package remedies_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/remedies"
)

func TestEnableRotationMoto(t *testing.T) {
	e := newEnv(t)
	fn := e.rotationLambda()
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/orders")})

	plan, after := e.remediate(arn, baseline.CheckRotationEnabled, remedies.Hints{})
	if !after.RotationEnabled || after.RotationLambdaARN != fn || after.RotationRules.AutomaticallyAfterDays != 90 {
		t.Errorf("after: enabled %v, function %q, rules %+v; want on, %s, every 90 days", after.RotationEnabled, after.RotationLambdaARN, after.RotationRules, fn)
	}
	if f := e.evaluate(baseline.CheckRotationFunction, after); f.Compliance != "COMPLIANT" {
		t.Errorf("rotation-function after: %s %q", f.Compliance, f.Annotation)
	}
	if plan.Before.RotationEnabled || !plan.After.RotationEnabled || plan.After.RotationSchedule != "every 90 days" {
		t.Errorf("plan states: before %+v, after %+v", plan.Before, plan.After)
	}
	if plan.Summary != "enable rotation every 90 days with "+fn {
		t.Errorf("summary %q", plan.Summary)
	}
}

// TestEnableRotationSwitchesFunctionMoto fixes a rotation-function finding:
// the same RotateSecret call, with the baseline's function and the
// existing schedule, which fits the class.
func TestEnableRotationSwitchesFunctionMoto(t *testing.T) {
	e := newEnv(t)
	fn := e.rotationLambda()
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/switch")})
	if _, err := e.sm.RotateSecret(e.ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String(fn),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}, RotateImmediately: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	// moto leaves AWSPENDING on a new version after RotateSecret with
	// RotateImmediately false (its rotation function does nothing); AWS's
	// testSecret step removes it. Clear it as AWS would have.
	e.clearPending(arn)
	// The baseline now wants another function for the class.
	e.createFunction("rotate2")
	e.b.Classes[2].RotationFunctions[0].ARN = "arn:${Partition}:lambda:${Region}:${AccountId}:function:rotate2"
	plan, after := e.remediate(arn, baseline.CheckRotationFunction, remedies.Hints{})
	want := "arn:aws:lambda:us-east-1:" + account + ":function:rotate2"
	if after.RotationLambdaARN != want || after.RotationRules.AutomaticallyAfterDays != 30 {
		t.Errorf("after: function %q rules %+v; want %s, the 30-day schedule kept", after.RotationLambdaARN, after.RotationRules, want)
	}
	if plan.Summary != "switch rotation from "+fn+" to "+want+", every 30 days (kept: it fits class standard)" {
		t.Errorf("summary %q", plan.Summary)
	}
}
