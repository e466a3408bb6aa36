package stacks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// grant is a set of IAM actions on resources. With no resources, each
// action's resources come from resourcesFor: the scope every action
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

// resourcesFor scopes an action to the account (and Region) of the role
// that holds it. An action not known here fails synthesis: whoever declares
// a new action in shared/ decides its scope here.
func resourcesFor(action string) ([]string, map[string]any, error) {
	account := *awscdk.Aws_ACCOUNT_ID()
	switch {
	case slices.Contains(anyResourceActions, action):
		return []string{"*"}, nil, nil
	case action == getSecretValue:
		return nil, nil, fmt.Errorf("%s is never granted by default: it needs explicit secret ARNs", action)
	case strings.HasPrefix(action, "secretsmanager:"):
		// The function works on the secrets of its own Region; replicas
		// are created by Secrets Manager itself.
		return []string{here("secretsmanager", "secret:*")}, nil, nil
	case action == "kms:DescribeKey" || action == "kms:GetKeyPolicy":
		// Remedies verify target keys in every replica Region.
		return []string{arn("kms", "*", account, "key/*")}, nil, nil
	case action == "kms:Decrypt" || action == "kms:Encrypt" || action == "kms:GenerateDataKey":
		// Secrets Manager uses the key on the caller's behalf (UpdateSecret
		// with a new key, ReplicateSecretToRegions); never directly.
		return []string{arn("kms", "*", account, "key/*")}, map[string]any{
			"StringLike": map[string]any{"kms:ViaService": "secretsmanager.*." + *awscdk.Aws_URL_SUFFIX()},
		}, nil
	case action == "lambda:InvokeFunction" || action == "lambda:GetFunctionConfiguration":
		// Rotation functions of the account; their ARNs are not known here.
		return []string{here("lambda", "function:*")}, nil, nil
	case action == "lambda:GetFunction" || action == "lambda:ListTags":
		// no-plaintext-lambda-env reads every function of the account.
		return []string{here("lambda", "function:*")}, nil, nil
	case action == "iam:GetRole" || action == "iam:PutRolePolicy":
		// Roles that read a revoked secret; IAM is global.
		return []string{arn("iam", "", account, "role/*")}, nil, nil
	case action == "ecs:DescribeServices":
		// vpc-endpoint reads the services of every cluster.
		return []string{here("ecs", "service/*")}, nil, nil
	case action == "ssm:GetParameters":
		// no-plaintext-parameters reads the account's String parameters.
		return []string{here("ssm", "parameter/*")}, nil, nil
	case action == "cloudtrail:GetTrailStatus" || action == "cloudtrail:GetEventSelectors":
		// cloudtrail-read-events reads every trail that logs the account:
		// multi-Region trails live in their home Region, organisation
		// trails in the management account.
		return []string{arn("cloudtrail", "*", "*", "trail/*")}, nil, nil
	case action == "rds:ModifyDBInstance":
		return []string{here("rds", "db:*")}, nil, nil
	case action == "rds:ModifyDBCluster":
		return []string{here("rds", "cluster:*")}, nil, nil
	}
	return nil, nil, fmt.Errorf("no resource scope for IAM action %q: scope it in infra/stacks/iam.go (resourcesFor) or grant it on explicit resources", action)
}

// statements turns grants into policy statements: actions resolved to their
// resources, grouped by resources and conditions, sorted, deduplicated.
func statements(gs []grant) ([]awsiam.PolicyStatement, error) {
	type group struct {
		resources  []string
		conditions map[string]any
		actions    []string
	}
	groups := map[string]*group{}
	add := func(action string, res []string, cond map[string]any) {
		key := strings.Join(res, "|") + fmt.Sprint(cond)
		g := groups[key]
		if g == nil {
			g = &group{resources: res, conditions: cond}
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
			res, cond, err := resourcesFor(a)
			if err != nil {
				return nil, err
			}
			add(a, res, cond)
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []awsiam.PolicyStatement
	for _, k := range keys {
		g := groups[k]
		slices.Sort(g.actions)
		props := &awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(g.actions...),
			Resources: jsii.Strings(g.resources...),
		}
		if g.conditions != nil {
			props.Conditions = &g.conditions
		}
		out = append(out, awsiam.NewPolicyStatement(props))
	}
	return out, nil
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
