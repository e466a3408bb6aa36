package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Physical names other code and people refer to.
const (
	SecretsKeyAlias = "alias/secretguard/secrets" // name it in the baseline's kms.defaultKeys
	OpsKeyAlias     = "alias/secretguard/ops"
	TopicName       = "secretguard-notifications"
	HubBusName      = "secretguard-hub"
)

// SSM parameter value limits (characters) by tier.
const (
	standardParameterLimit = 4096
	advancedParameterLimit = 8192
)

// core is what every function stack holds besides the functions: the
// ledger, the baseline parameter, the notification topic and its key.
type core struct {
	table awsdynamodb.Table
	param awsssm.StringParameter
	topic awssns.Topic
}

func newCore(scope constructs.Construct, cfg *Config) (*core, error) {
	c := &core{}
	c.table = awsdynamodb.NewTable(scope, jsii.String("Ledger"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String("sk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String("ttl"),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		// The AWS managed key aws/dynamodb: encrypted at rest, and the
		// functions need no KMS permission of their own.
		Encryption:    awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	doc := cfg.BaselineDoc
	tier := awsssm.ParameterTier_STANDARD
	switch {
	case len(doc) > advancedParameterLimit:
		return nil, fmt.Errorf("baseline: %d characters, more than an SSM parameter holds (%d): shorten the file", len(doc), advancedParameterLimit)
	case len(doc) > standardParameterLimit:
		tier = awsssm.ParameterTier_ADVANCED
	}
	c.param = awsssm.NewStringParameter(scope, jsii.String("Baseline"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(cfg.BaselineParameter),
		Description:   jsii.String("secretguard baseline (validated at synth; see README.md, Deploy)"),
		StringValue:   jsii.String(doc),
		Tier:          tier,
	})

	// The topic is encrypted with a customer managed key because CloudWatch
	// alarms cannot publish to a topic under the AWS managed aws/sns key.
	key := awskms.NewKey(scope, jsii.String("OpsKey"), &awskms.KeyProps{
		Alias:             jsii.String(OpsKeyAlias),
		Description:       jsii.String("secretguard: encrypts the notification topic"),
		EnableKeyRotation: jsii.Bool(true),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarms"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
	}), nil)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowPublishThroughSNSForTheAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"kms:CallerAccount": awscdk.Aws_ACCOUNT_ID(),
			"kms:ViaService":    "sns." + *awscdk.Aws_REGION() + "." + *awscdk.Aws_URL_SUFFIX(),
		}},
	}), nil)
	c.topic = awssns.NewTopic(scope, jsii.String("Topic"), &awssns.TopicProps{
		TopicName:  jsii.String(TopicName),
		MasterKey:  key,
		EnforceSSL: jsii.Bool(true),
	})
	if cfg.NotificationEmail != "" {
		c.topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.NotificationEmail), nil))
	}
	return c, nil
}

// keyAdminActions manage the key without using it: the account's
// principals (through IAM policies) can administer the secrets key but can
// encrypt and decrypt with it only through Secrets Manager.
var keyAdminActions = []string{
	"kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey", "kms:DisableKey",
	"kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy",
	"kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
	"kms:ListKeyRotations", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RetireGrant", "kms:RevokeGrant",
	"kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
	"kms:UpdateAlias", "kms:UpdateKeyDescription",
}

// keyUseActions are those of the AWS managed key aws/secretsmanager.
var keyUseActions = []string{"kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}

// newSecretsKey is the Region's customer managed key for secrets, with the
// policy the use-cmk remedy verifies (shared/remedies keyPolicyProblem):
// Principal "*" limited by kms:CallerAccount and kms:ViaService, no Deny.
func newSecretsKey(scope constructs.Construct) awskms.Key {
	policy := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowKeyAdministrationThroughIAM"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
			Actions:    jsii.Strings(keyAdminActions...),
			Resources:  jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowUseThroughSecretsManagerForTheAccount"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings(keyUseActions...),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"kms:CallerAccount": awscdk.Aws_ACCOUNT_ID(),
				"kms:ViaService":    "secretsmanager." + *awscdk.Aws_REGION() + "." + *awscdk.Aws_URL_SUFFIX(),
			}},
		}),
	}})
	return awskms.NewKey(scope, jsii.String("SecretsKey"), &awskms.KeyProps{
		Alias:             jsii.String(SecretsKeyAlias),
		Description:       jsii.String("secretguard: the customer managed key for Secrets Manager secrets in this Region"),
		EnableKeyRotation: jsii.Bool(true),
		Policy:            policy,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
}
