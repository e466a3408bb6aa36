package stacks

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretguard/secretguard/shared/vpcendpoint"
	"github.com/secretguard/secretguard/shared/workload"
)

// grant is a set of IAM actions on resources. With no resources, each
// action's resources come from scopesFor: the scope every action
// declared by the shared packages gets unless a function says otherwise.
type grant struct {
	actions    []string
	resources  []string
	conditions map[string]any
}

// Actions that have no resource-level permissions in IAM (the Service
// Authorization Reference lists no resource type for them): "*" is the
// narrowest resource there is.
var anyResourceActions = []string{
	"secretsmanager:ListSecrets", // list operation
	"config:PutEvaluations",      // bound by the ResultToken of the rule
	"cloudtrail:LookupEvents",    // account-wide read
	"ssm:DescribeOpsItems",       // list operation
	// Workload and account checks (configrule.ResourcePermissions).
	"lambda:ListFunctions", "ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition",
	"ecs:ListClusters", "ecs:ListServices", "ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints",
	"ssm:DescribeParameters", "cloudtrail:DescribeTrails", "cloudwatch:GetMetricData",
	// The create-vpc-endpoint remedy's reads (vpcendpoint.IAMActions).
	"ec2:DescribeVpcs", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups",
}

// GetSecretValue is the one action no function gets from resourcesFor: the
// notifier is granted it on its sinks' credential secrets only.
const getSecretValue = "secretsmanager:GetSecretValue"

func arn(service, region, account, resource string) string {
	return "arn:" + *awscdk.Aws_PARTITION() + ":" + service + ":" + region + ":" + account + ":" + resource
}

func here(service, resource string) string {
	return arn(service, *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID(), resource)
}

// regions are the Regions whose resources a role's statements name. A
// function's role works in the Region of the stack that holds it
// (ownRegion: ${AWS::Region}). A function's spoke role is created once per
// member account (IAM is global) and assumed by that function's roles of
// every Region of the deployment: its statements name each of those
// Regions (spokeRegions), or anyRegion where naming them all does not fit.
type regions []string

var (
	ownRegion regions // nil: the stack's own Region
	anyRegion = regions{"*"}
)

// names are the Region parts of the ARNs and condition values.
func (rs regions) names() []string {
	if len(rs) == 0 {
		return []string{*awscdk.Aws_REGION()}
	}
	return rs
}

func (rs regions) any() bool { return slices.Contains(rs, "*") }

// arns are the ARNs of resource in the account, one per Region.
func (rs regions) arns(service, resource string) []string {
	var out []string
	for _, r := range rs.names() {
		out = append(out, arn(service, r, *awscdk.Aws_ACCOUNT_ID(), resource))
	}
	return out
}

// stringOp is the condition operator that compares a key with values
// built from rs: StringLike once a value holds the "*" of anyRegion.
func (rs regions) stringOp() string {
	if rs.any() {
		return "StringLike"
	}
	return "StringEquals"
}

// scope is where an action is granted: resources, under conditions.
type scope struct {
	resources  []string
	conditions map[string]any
}

// scopesFor is where an action is granted in the Regions rs: one scope
// (resourcesFor), or several for the create-vpc-endpoint remedy's EC2
// actions (ec2Scopes).
func scopesFor(action string, rs regions) ([]scope, error) {
	if ss := ec2Scopes(action, rs); ss != nil {
		return ss, nil
	}
	res, cond, err := resourcesFor(action, rs)
	if err != nil {
		return nil, err
	}
	return []scope{{resources: res, conditions: cond}}, nil
}

// ec2Scopes scopes the EC2 actions of the create-vpc-endpoint remedy
// (shared/vpcendpoint) by the resource types and condition keys the Service
// Authorization Reference lists for each ("Actions, resources, and
// condition keys for Amazon EC2"): a write action gets one scope per
// resource type it touches, so that a condition on one type (the endpoint,
// the new group) does not have to hold for the others. The reads that list
// no resource type (DescribeVpcs, DescribeSubnets, DescribeRouteTables,
// DescribeSecurityGroups, DescribeVpcEndpoints) are in anyResourceActions.
func ec2Scopes(action string, rs regions) []scope {
	arns := func(types ...string) []string {
		var out []string
		for _, t := range types {
			out = append(out, rs.arns("ec2", t+"/*")...)
		}
		return out
	}
	// Whatever the remedy creates carries its tag, set at creation.
	tagged := func(key string) map[string]any {
		return map[string]any{"Null": map[string]any{key + "/" + vpcendpoint.ManagedTag: "false"}}
	}
	switch action {
	case "ec2:DescribeVpcAttribute": // vpc*
		return []scope{{resources: arns("vpc")}}
	case "ec2:CreateSecurityGroup":
		// security-group* (aws:RequestTag): only groups with the remedy's
		// tag; vpc (optional): the VPC that lacks an endpoint.
		return []scope{
			{resources: arns("vpc")},
			{resources: arns("security-group"), conditions: tagged("aws:RequestTag")},
		}
	case "ec2:AuthorizeSecurityGroupIngress":
		// security-group* (aws:ResourceTag): only the remedy's groups.
		return []scope{{resources: arns("security-group"), conditions: tagged("aws:ResourceTag")}}
	case "ec2:CreateVpcEndpoint":
		// vpc*, subnet and security-group (no route tables: an interface
		// endpoint); vpc-endpoint* (ec2:VpceServiceName, aws:RequestTag):
		// only Secrets Manager endpoints, with the remedy's tag.
		cond := tagged("aws:RequestTag")
		cond[rs.stringOp()] = map[string]any{"ec2:VpceServiceName": secretsManagerServiceNames(rs)}
		return []scope{
			{resources: arns("vpc", "subnet", "security-group")},
			{resources: arns("vpc-endpoint"), conditions: cond},
		}
	case "ec2:ModifyVpcEndpoint":
		// vpc-endpoint*: turns private DNS on for an existing endpoint,
		// which the remedy did not create (no tag to require). The action
		// lists no service-name condition key, so none is used.
		return []scope{{resources: arns("vpc-endpoint")}}
	case "ec2:CreateTags":
		// Only the tags set by the creating calls (ec2:CreateAction), on
		// what they create.
		return []scope{{resources: arns("security-group", "vpc-endpoint"), conditions: map[string]any{
			"StringEquals": map[string]any{"ec2:CreateAction": []string{"CreateSecurityGroup", "CreateVpcEndpoint"}},
		}}}
	}
	return nil
}

// secretsManagerServiceNames are the names of the Secrets Manager endpoint
// service in the role's Regions, as the remedy computes them
// (workload.EndpointServiceName), for the partitions whose names differ.
func secretsManagerServiceNames(rs regions) []string {
	var out []string
	for _, r := range rs.names() {
		for _, partition := range []string{"aws", "aws-cn"} {
			if n := workload.EndpointServiceName(partition, r); !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// resourcesFor scopes an action to the account of the role that holds it,
// in the Regions rs. An action not known here fails synthesis: whoever
// declares a new action in shared/ decides its scope here.
func resourcesFor(action string, rs regions) ([]string, map[string]any, error) {
	account := *awscdk.Aws_ACCOUNT_ID()
	switch {
	case slices.Contains(anyResourceActions, action):
		return []string{"*"}, nil, nil
	case action == getSecretValue:
		return nil, nil, fmt.Errorf("%s is never granted by default: it needs explicit secret ARNs", action)
	case strings.HasPrefix(action, "secretsmanager:"):
		// The function works on the secrets of its own Region; replicas
		// are created by Secrets Manager itself.
		return rs.arns("secretsmanager", "secret:*"), nil, nil
	case action == "kms:DescribeKey" || action == "kms:GetKeyPolicy":
		// Remedies verify target keys in every replica Region, which the
		// baseline names: not only the Regions of the deployment.
		return []string{arn("kms", "*", account, "key/*")}, nil, nil
	case action == "kms:Decrypt" || action == "kms:Encrypt" || action == "kms:GenerateDataKey":
		// Secrets Manager uses the key on the caller's behalf (UpdateSecret
		// with a new key, ReplicateSecretToRegions); never directly. Any
		// Region, as for DescribeKey: replicas go where the baseline says.
		return []string{arn("kms", "*", account, "key/*")}, map[string]any{
			"StringLike": map[string]any{"kms:ViaService": "secretsmanager.*." + *awscdk.Aws_URL_SUFFIX()},
		}, nil
	case action == "lambda:InvokeFunction" || action == "lambda:GetFunctionConfiguration":
		// Rotation functions of the account; their ARNs are not known here.
		return rs.arns("lambda", "function:*"), nil, nil
	case action == "lambda:GetFunction" || action == "lambda:ListTags":
		// no-plaintext-lambda-env reads every function of the account.
		return rs.arns("lambda", "function:*"), nil, nil
	case action == "iam:GetRole" || action == "iam:PutRolePolicy":
		// Roles that read a revoked secret; IAM is global.
		return []string{arn("iam", "", account, "role/*")}, nil, nil
	case action == "ecs:DescribeServices":
		// vpc-endpoint reads the services of every cluster.
		return rs.arns("ecs", "service/*"), nil, nil
	case action == "ssm:GetParameters":
		// no-plaintext-parameters reads the account's String parameters.
		return rs.arns("ssm", "parameter/*"), nil, nil
	case action == "cloudtrail:GetTrailStatus" || action == "cloudtrail:GetEventSelectors":
		// cloudtrail-read-events reads every trail that logs the account:
		// multi-Region trails live in their home Region, organisation
		// trails in the management account.
		return []string{arn("cloudtrail", "*", "*", "trail/*")}, nil, nil
	case action == "rds:ModifyDBInstance":
		return rs.arns("rds", "db:*"), nil, nil
	case action == "rds:ModifyDBCluster":
		return rs.arns("rds", "cluster:*"), nil, nil
	case action == vpcEndpointZoneAction:
		return hostedZoneScope(rs)
	}
	return nil, nil, fmt.Errorf("no resource scope for IAM action %q: scope it in infra/stacks/iam.go (resourcesFor) or grant it on explicit resources", action)
}

// vpcEndpointZoneAction is the create-vpc-endpoint remedy's Route 53
// action: the Service Authorization Reference lists it as a dependent
// action of ec2:CreateVpcEndpoint and ec2:ModifyVpcEndpoint, whose private
// DNS associates the VPC with the endpoint service's private hosted zone.
const vpcEndpointZoneAction = "route53:AssociateVPCWithHostedZone"

// hostedZoneScope scopes vpcEndpointZoneAction. Its one resource type is
// hostedzone* (arn:${Partition}:route53:::hostedzone/${Id}), and the zone
// belongs to the AWS-owned account of the endpoint service, its ID unknown
// in advance: any hosted zone. Its one condition key, route53:VPCs, is
// multivalued, "VPCId=<vpc-id>,VPCRegion=<region>" (the Route 53 Developer
// Guide, "Using IAM policy conditions for fine-grained access control"),
// and cannot name an account: it narrows the grant to VPCs of the role's
// Regions. ForAllValues, not ForAnyValue: whether EC2 sets the key when it
// authorizes a dependent action is not documented, and an absent key must
// not fail the remedy; when the key is present every VPC must match.
// Nothing to narrow under anyRegion.
func hostedZoneScope(rs regions) ([]string, map[string]any, error) {
	zones := []string{arn("route53", "", "", "hostedzone/*")}
	if rs.any() {
		return zones, nil, nil
	}
	var vpcs []string
	for _, r := range rs.names() {
		vpcs = append(vpcs, "VPCId=vpc-*,VPCRegion="+r)
	}
	return zones, map[string]any{"ForAllValues:StringLike": map[string]any{"route53:VPCs": vpcs}}, nil
}

// policyStatement is an Allow statement of a role's policy.
type policyStatement struct {
	actions    []string
	resources  []string
	conditions map[string]any
}

// policy resolves grants into statements: actions scoped in the Regions rs
// (those without resources of their own), grouped by resources and
// conditions, sorted, deduplicated.
func policy(gs []grant, rs regions) ([]policyStatement, error) {
	groups := map[string]*policyStatement{}
	add := func(action string, res []string, cond map[string]any) {
		key := strings.Join(res, "|") + fmt.Sprint(cond)
		g := groups[key]
		if g == nil {
			g = &policyStatement{resources: res, conditions: cond}
			groups[key] = g
		}
		if !slices.Contains(g.actions, action) {
			g.actions = append(g.actions, action)
		}
	}
	for _, g := range gs {
		for _, a := range g.actions {
			if g.resources != nil {
				add(a, g.resources, g.conditions)
				continue
			}
			ss, err := scopesFor(a, rs)
			if err != nil {
				return nil, err
			}
			for _, sc := range ss {
				add(a, sc.resources, sc.conditions)
			}
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]policyStatement, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		slices.Sort(g.actions)
		out = append(out, *g)
	}
	return out, nil
}

// statements turns grants into CDK policy statements (policy), and
// returns the resources they name, each once (for suppressWildcards).
func statements(gs []grant, rs regions) ([]awsiam.PolicyStatement, []string, error) {
	ps, err := policy(gs, rs)
	if err != nil {
		return nil, nil, err
	}
	var out []awsiam.PolicyStatement
	var resources []string
	for _, p := range ps {
		props := &awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(p.actions...),
			Resources: jsii.Strings(p.resources...),
		}
		if p.conditions != nil {
			props.Conditions = &p.conditions
		}
		out = append(out, awsiam.NewPolicyStatement(props))
		resources = append(resources, p.resources...)
	}
	slices.Sort(resources)
	return out, slices.Compact(resources), nil
}

// maxRolePolicyChars is IAM's quota on the inline policies of a role:
// 10,240 characters in all, white space not counted.
const maxRolePolicyChars = 10240

// worstCase replaces the stack's pseudo parameters with the longest value
// each takes in any partition (aws-us-gov, amazonaws.com.cn, a 14-letter
// Region name), to size a policy as IAM will.
var worstCase = strings.NewReplacer(
	*awscdk.Aws_PARTITION(), "aws-us-gov", *awscdk.Aws_ACCOUNT_ID(), "123456789012",
	*awscdk.Aws_URL_SUFFIX(), "amazonaws.com.cn", *awscdk.Aws_REGION(), "ap-southeast-5",
)

// policyChars is the size IAM counts for a policy of ps once deployed: its
// compact JSON, pseudo parameters at their longest.
func policyChars(ps []policyStatement) int {
	type stmt struct {
		Effect    string
		Action    []string
		Resource  []string
		Condition map[string]any `json:",omitempty"`
	}
	doc := struct {
		Version   string
		Statement []stmt
	}{Version: "2012-10-17"}
	for _, p := range ps {
		doc.Statement = append(doc.Statement, stmt{"Allow", p.actions, p.resources, p.conditions})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // strings, lists and maps of them
	}
	return len(worstCase.Replace(string(b)))
}

// only keeps the actions of the given service prefixes ("ssm:").
func only(actions []string, prefixes ...string) []string {
	var out []string
	for _, a := range actions {
		for _, p := range prefixes {
			if strings.HasPrefix(a, p) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// without drops the actions of the given service prefixes.
func without(actions []string, prefixes ...string) []string {
	var out []string
	for _, a := range actions {
		if len(only([]string{a}, prefixes...)) == 0 {
			out = append(out, a)
		}
	}
	return out
}
