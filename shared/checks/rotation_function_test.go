package checks

import (
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

const pgCN = "arn:aws-cn:lambda:cn-north-1:222233334444:function:SecretsManagerRDSPostgreSQLRotationMultiUser"

var rotationFunctionCases = []checkCase{
	{name: "rotation off is not applicable", s: at(arnAWS, rotationOff),
		want: NotApplicable, has: []string{baseline.CheckRotationEnabled}},
	{name: "a service-managed secret is never re-rotated", s: at(arnCN, ownedBy("rds")),
		want: Compliant, has: []string{"managed by rds", "never re-rotated"}},
	{name: "the baseline's function is compliant", s: at(arnAWS),
		want: Compliant, has: []string{fnGeneric}},
	{name: "a $LATEST qualifier names the same function", s: at(arnAWS, edit(func(s *secret.Snapshot) { s.RotationLambdaARN += ":$LATEST" })),
		want: Compliant},
	{name: "another function is non-compliant and names both", s: at(arnAWS, edit(func(s *secret.Snapshot) {
		s.RotationLambdaARN = "arn:aws:lambda:us-east-1:111122223333:function:hand-made-rotator"
	})),
		want: NonCompliant, remedy: baseline.RemedyEnableRotation,
		has: []string{"arn:aws:lambda:us-east-1:111122223333:function:" + fnGeneric, "hand-made-rotator", "class standard"}},
	{name: "another version qualifier is a different function", s: at(arnAWS, edit(func(s *secret.Snapshot) { s.RotationLambdaARN += ":7" })),
		want: NonCompliant, remedy: baseline.RemedyEnableRotation},
	{name: "the engine tag selects the engine's function", s: at(arnCN, withTag(baseline.EngineTag, "postgres"), edit(func(s *secret.Snapshot) {
		s.RotationLambdaARN = "arn:aws-cn:lambda:cn-north-1:222233334444:function:SecretsManagerRDSMySQLRotationMultiUser"
	})),
		want: NonCompliant, remedy: baseline.RemedyEnableRotation, has: []string{pgCN}},
	{name: "the engine's function in the China partition is compliant", s: at(arnCN, withTag(baseline.EngineTag, "postgres"), edit(func(s *secret.Snapshot) {
		s.RotationLambdaARN = pgCN
	})),
		want: Compliant},
	{name: "no function for class, engine and strategy accepts any function", s: at(arnGov),
		want: Compliant, has: []string{"names no rotation function", "class api-key, engine unset, strategy single-user"}},
	{name: "the strategy tag overrides the class strategy", s: at(arnCN, withTag(baseline.EngineTag, "postgres"), withTag(baseline.StrategyTag, baseline.StrategySingleUser)),
		want: Compliant, has: []string{"engine postgres", "strategy single-user"}},
	{name: "rotation on without a function is non-compliant", s: at(arnAWS, edit(func(s *secret.Snapshot) { s.RotationLambdaARN = "" })),
		want: NonCompliant, remedy: baseline.RemedyEnableRotation, has: []string{"names no function", fnGeneric}},
	{name: "a baseline without a class for the secret is not applicable", s: at(arnAWS),
		b:    func(b *baseline.Baseline) { b.DefaultClass = "gone" },
		want: NotApplicable, has: []string{"no class"}},
}

func TestRotationFunction(t *testing.T) { runCases(t, rotationFunction{}, rotationFunctionCases) }
