package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// applyNag runs the cdk-nag AwsSolutions checks on scope: a finding that is
// not suppressed here, with its reason, is an error annotation, and
// `cdk synth` fails.
func applyNag(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// wildcardReasons justifies each wildcard resource that scopesFor (and
// the tickets package) can put in a role, in cdk-nag's notation, for a role
// in the stack's own Region (suppressWildcards names a spoke role's
// Regions in place of <AWS::Region>, and suppresses on each role only the
// wildcards it holds). A wildcard not listed here fails synthesis.
var wildcardReasons = []struct{ resource, reason string }{
	{"*", "Only for actions without resource-level permissions in IAM (list and describe operations such as secretsmanager:ListSecrets, lambda:ListFunctions, ecs:DescribeTaskDefinition, ec2:DescribeVpcs, ec2:DescribeSubnets, ec2:DescribeRouteTables, ec2:DescribeSecurityGroups, ec2:DescribeVpcEndpoints, cloudwatch:GetMetricData; config:PutEvaluations): see anyResourceActions. The create-vpc-endpoint remedy's EC2 writes are never granted on *: see ec2Scopes."},
	{"arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*", "secretguard governs every secret of the account and Region, which are known only at run time; secretsmanager:GetSecretValue is never granted on them."},
	{"arn:<AWS::Partition>:kms:*:<AWS::AccountId>:key/*", "The baseline names the target keys per Region at run time (use-cmk, replicate verify them); Decrypt/Encrypt/GenerateDataKey are limited to kms:ViaService Secrets Manager."},
	{"arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*", "RotateSecret needs lambda:InvokeFunction on the secret's rotation function and the revoker reads its configuration; those functions are chosen per secret at run time. The no-plaintext-lambda-env rule reads (GetFunction, ListTags) every function of the account."},
	{"arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service/*", "The vpc-endpoint rule describes every ECS service of the account (ecs:DescribeServices), listed at run time."},
	{"arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/*", "The no-plaintext-parameters rule reads every parameter of the account (ssm:GetParameters without decryption) to find secrets stored in plaintext."},
	{"arn:<AWS::Partition>:cloudtrail:*:*:trail/*", "The cloudtrail-read-events rule reads the status and event selectors of every trail that logs the account: multi-Region trails live in their home Region, organisation trails in the management account."},
	{"arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*", "The revoker revokes the sessions of whichever roles read a compromised secret (CloudTrail evidence), known only during an incident."},
	{"arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:db:*", "The revoker rotates RDS-owned secrets through the database the secret's tags name, known only at run time."},
	{"arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:cluster:*", "The revoker rotates RDS-owned secrets through the cluster the secret's tags name, known only at run time."},
	{"arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:vpc/*", "The create-vpc-endpoint remedy works in whichever VPC of the account runs workloads without a Secrets Manager endpoint, found at run time: it reads the VPC's DNS attributes and creates the endpoint and its security group there."},
	{"arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:subnet/*", "The create-vpc-endpoint remedy places the endpoint in the VPC's private subnets, found at run time; the endpoint itself is limited to the Secrets Manager service by ec2:VpceServiceName."},
	{"arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*", "Security group IDs are assigned at creation: CreateSecurityGroup only with the remedy's secretguard:managed-by tag (aws:RequestTag), AuthorizeSecurityGroupIngress only on groups that carry it (aws:ResourceTag), CreateTags only while creating (ec2:CreateAction)."},
	{"arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:vpc-endpoint/*", "Endpoint IDs are assigned at creation: CreateVpcEndpoint only for the Secrets Manager endpoint service (ec2:VpceServiceName) with the remedy's tag, CreateTags only while creating (ec2:CreateAction); ModifyVpcEndpoint turns private DNS on for existing endpoints found at run time."},
	{"arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:opsitem/*", "OpsItem IDs are assigned by OpsCenter when the notifier creates them (tickets.OpsCenter.Permissions)."},
	{"arn:<AWS::Partition>:route53:::hostedzone/*", "route53:AssociateVPCWithHostedZone is a dependent action of the create-vpc-endpoint remedy's CreateVpcEndpoint and ModifyVpcEndpoint: private DNS associates the VPC with the endpoint service's private hosted zone, which an AWS-owned account holds and whose ID is not known in advance. route53:VPCs (ForAllValues) limits it to VPCs of the role's Regions where the request carries the key; the key cannot name an account."},
}

// suppressWildcards suppresses AwsSolutions-IAM5 on a role for exactly the
// wildcards of wildcardReasons that its statements name (granted, the
// resources statements returned), each with its reason, in the Regions rs
// of the role; and, for a hub function that acts in member accounts, for
// its own spoke role in all accounts (spokeRole). Suppressing only what the
// role holds keeps the spoke template, which carries one role per function
// and their suppressions, within a StackSet's TemplateBody.
func suppressWildcards(role constructs.IConstruct, granted []string, spokeRole string, rs regions) {
	held := map[string]bool{}
	for _, r := range granted {
		held[nagNotation.Replace(r)] = true
	}
	var s []*cdknag.NagPackSuppression
	for _, w := range wildcardReasons {
		var applies []any
		for _, r := range nagRegions(w.resource, rs) {
			if res := strings.ReplaceAll(w.resource, "<AWS::Region>", r); held[res] {
				applies = append(applies, "Resource::"+res)
			}
		}
		if len(applies) > 0 {
			s = append(s, &cdknag.NagPackSuppression{
				Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(w.reason), AppliesTo: &applies,
			})
		}
	}
	if spokeRole != "" {
		s = append(s, &cdknag.NagPackSuppression{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("The function's own spoke role in every member account (no other function's); sts:AssumeRole is bounded to the organisation by aws:ResourceOrgID."),
			AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:iam::*:role/" + spokeRole},
		})
	}
	if len(s) > 0 {
		cdknag.NagSuppressions_AddResourceSuppressions(role, &s, jsii.Bool(true))
	}
}

// nagNotation renders a resource of a statement as cdk-nag names it.
var nagNotation = strings.NewReplacer(
	*awscdk.Aws_PARTITION(), "<AWS::Partition>", *awscdk.Aws_ACCOUNT_ID(), "<AWS::AccountId>", *awscdk.Aws_REGION(), "<AWS::Region>",
)

// suppressFunctionFindings suppresses the findings the functions' roles
// have by design.
func suppressFunctionFindings(fs *functions, hub bool, spokeRoleName string) {
	for name, f := range fs.byName {
		var spokeRole string
		if hub && specFor(name).spoke != nil {
			spokeRole = SpokeRole(spokeRoleName, name)
		}
		suppressWildcards(f.role, f.granted, spokeRole, ownRegion)
	}
}

// nagRegions are the Region parts of resource in cdk-nag's notation for a
// role in the Regions rs.
func nagRegions(resource string, rs regions) []string {
	if len(rs) == 0 || !strings.Contains(resource, "<AWS::Region>") {
		return []string{"<AWS::Region>"}
	}
	return rs
}
