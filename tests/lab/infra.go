package lab

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
)

// Infra is what secretguard's stacks would deploy around the functions,
// created at the target: the state table, the event bus with a rule that
// sends secretguard's events to the notifier's queue, the rotation
// function the baseline names, a customer managed key per Region (alias
// KeyAlias) and a break-glass role.
type Infra struct {
	Table, Bus, QueueURL, QueueARN string
	RotationFunction               string // name; the baseline names it
	RotationFunctionARN            string
	KeyAlias                       string
	Keys                           map[string]string // Region → key ARN
	BreakGlassRole                 string            // ARN
}

// Names the lab gives what it creates, before Target.Suffix.
const (
	tableName        = "secretguard-state"
	busName          = "secretguard"
	queueName        = "secretguard-notifier"
	rotationFunction = "secretguard-demo-rotation"
	keyAlias         = "alias/secretguard-demo"
	breakGlassRole   = "break-glass"
	spokeRole        = awsenv.DefaultSpokeRolePrefix
)

// SpokeFunctions are the functions that assume a spoke role.
var SpokeFunctions = []string{"evaluator", "remediator", "workloads"}

// SpokeRoleName is the lab's spoke role of a function (with the target's
// suffix), passed to it as SPOKE_ROLE_NAME.
func SpokeRoleName(function, suffix string) string {
	return awsenv.SpokeRole(spokeRole, function) + suffix
}

// Provision creates the Infra at the target.
func Provision(ctx context.Context, t *Target) (*Infra, error) {
	sfx := t.Suffix
	in := &Infra{Table: tableName + sfx, Bus: busName + sfx, RotationFunction: rotationFunction + sfx, KeyAlias: keyAlias + sfx, Keys: map[string]string{}}
	cfg := t.Config(Region)
	if err := ledger.CreateTable(ctx, dynamodb.NewFromConfig(cfg), in.Table); err != nil {
		return nil, err
	}
	if err := in.bus(ctx, cfg, queueName+sfx); err != nil {
		return nil, err
	}
	ic := iam.NewFromConfig(cfg)
	trust := func(principal string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}]}`)
	}
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(rotationFunction + sfx), AssumeRolePolicyDocument: trust(`{"Service":"lambda.amazonaws.com"}`)})
	if err != nil {
		return nil, fmt.Errorf("create the rotation function's role: %w", err)
	}
	fn, err := lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(in.RotationFunction), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: noopZip()},
		Description: aws.String("stand-in rotation function: moto invokes it as a no-op"),
	})
	if err != nil {
		return nil, fmt.Errorf("create the rotation function: %w", err)
	}
	in.RotationFunctionARN = aws.ToString(fn.FunctionArn)
	// The emulator gives every function an ARN in account 012345678912, so
	// the functions treat the target's account as a member account and
	// assume this role there, as the hub does in AWS.
	// One spoke role per function that acts in member accounts, as the
	// StackSet deploys them.
	for _, fn := range SpokeFunctions {
		if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(SpokeRoleName(fn, sfx)), AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::` + t.Account + `:root"}`)}); err != nil {
			return nil, fmt.Errorf("create the %s spoke role: %w", fn, err)
		}
	}
	bg, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(breakGlassRole + sfx), AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::` + t.Account + `:root"}`)})
	if err != nil {
		return nil, fmt.Errorf("create the break-glass role: %w", err)
	}
	in.BreakGlassRole = aws.ToString(bg.Role.Arn)
	for _, r := range []string{Region, ReplicaRegion} {
		if in.Keys[r], err = createKey(ctx, t.Config(r), t.Account, r, in.KeyAlias); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// bus creates the event bus, the notifier's queue and the rule between.
func (in *Infra) bus(ctx context.Context, cfg aws.Config, queue string) error {
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	b, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(in.Bus)})
	if err != nil {
		return fmt.Errorf("create the event bus: %w", err)
	}
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(queue)})
	if err != nil {
		return fmt.Errorf("create the notifier's queue: %w", err)
	}
	in.QueueURL = aws.ToString(qo.QueueUrl)
	qa, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return fmt.Errorf("read the queue's ARN: %w", err)
	}
	in.QueueARN = qa.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	rule := "secretguard-to-notifier"
	r, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(rule), EventBusName: aws.String(in.Bus),
		EventPattern: aws.String(`{"source":["` + outcome.Source + `"]}`)})
	if err != nil {
		return fmt.Errorf("create the rule: %w", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` +
		in.QueueARN + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + aws.ToString(r.RuleArn) + `"}}}]}`
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: qo.QueueUrl, Attributes: map[string]string{"Policy": policy}}); err != nil {
		return fmt.Errorf("set the queue policy: %w", err)
	}
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), EventBusName: b.EventBusArn,
		Targets: []ebtypes.Target{{Id: aws.String("notifier-queue"), Arn: aws.String(in.QueueARN)}}})
	if err != nil {
		return fmt.Errorf("target the queue: %w", err)
	}
	return nil
}

// createKey creates a customer managed key whose policy lets the account's
// principals use it through Secrets Manager in region (what use-cmk and
// replicate verify), and aliases it.
func createKey(ctx context.Context, cfg aws.Config, account, region, alias string) (string, error) {
	c := kms.NewFromConfig(cfg)
	policy := `{"Version":"2012-10-17","Statement":[
 {"Sid":"KeyAdmins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"UseThroughSecretsManager","Effect":"Allow","Principal":{"AWS":"*"},
  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
  "Condition":{"StringEquals":{"kms:CallerAccount":"` + account + `","kms:ViaService":"secretsmanager.` + region + `.amazonaws.com"}}}]}`
	k, err := c.CreateKey(ctx, &kms.CreateKeyInput{Policy: aws.String(policy), Description: aws.String("secretguard demo key")})
	if err != nil {
		return "", fmt.Errorf("create a KMS key in %s: %w", region, err)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		return "", fmt.Errorf("alias the KMS key in %s: %w", region, err)
	}
	return aws.ToString(k.KeyMetadata.Arn), nil
}

// noopZip is a deployment package whose bootstrap does nothing.
func noopZip() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap")
	_, _ = w.Write([]byte("#!/bin/sh\nexit 0\n"))
	_ = zw.Close()
	return buf.Bytes()
}
