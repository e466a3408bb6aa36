package engine_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/remedies"
)

func ExampleDecide() {
	d, why := engine.Decide(engine.Facts{Compliance: checks.NonCompliant, Mode: baseline.ModeRemediate,
		Remedy: baseline.RemedyEnableRotation, RemedyKnown: true, Changes: 25, Cap: 25})
	fmt.Println(d)
	fmt.Println(why)
	// Output:
	// ticket
	// This invocation reached its cap of 25 changes (maxChangesPerInvocation); the next one will remediate.
}

func ExampleFixCommand() {
	const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api-key-a1B2c3"
	fmt.Println(engine.FixCommand([]remedies.Call{{Service: "secretsmanager", Operation: "RotateSecret",
		Input: &secretsmanager.RotateSecretInput{SecretId: aws.String(arn),
			RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:111122223333:function:rotate"),
			RotationRules:     &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}, RotateImmediately: aws.Bool(false)}}}, "us-east-1"))
	fmt.Println(engine.FixCommand([]remedies.Call{{Service: "secretsmanager", Operation: "PutResourcePolicy",
		Input: &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), BlockPublicPolicy: aws.Bool(true),
			ResourcePolicy: aws.String(`{"Statement":[{"Sid":"Bob's","Effect":"Allow"}]}`)}}}, "us-east-1"))
	fmt.Println(engine.FixCommand([]remedies.Call{{Service: "secretsmanager", Operation: "ReplicateSecretToRegions",
		Input: &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String(arn),
			AddReplicaRegions: []smtypes.ReplicaRegionType{{Region: aws.String("eu-west-1"), KmsKeyId: aws.String("alias/secretguard")}}}}}, "us-east-1"))
	fmt.Println(engine.WaiverTag(baseline.Default(), "rotation-enabled", time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)))
	// Output:
	// aws secretsmanager rotate-secret --region us-east-1 --secret-id arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api-key-a1B2c3 --rotation-lambda-arn arn:aws:lambda:us-east-1:111122223333:function:rotate --rotation-rules AutomaticallyAfterDays=30 --no-rotate-immediately
	// aws secretsmanager put-resource-policy --region us-east-1 --secret-id arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api-key-a1B2c3 --resource-policy '{"Statement":[{"Sid":"Bob'\''s","Effect":"Allow"}]}' --block-public-policy
	// aws secretsmanager replicate-secret-to-regions --region us-east-1 --secret-id arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/api-key-a1B2c3 --add-replica-regions Region=eu-west-1,KmsKeyId=alias/secretguard --no-force-overwrite-replica-secret
	// secretguard:waive:rotation-enabled=2026-04-03 <reason>
}
