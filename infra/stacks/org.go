package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// maxTemplateBody is CloudFormation's limit on an inline TemplateBody (a
// variable for the tests of newSpoke's fallback).
var maxTemplateBody = 51200

// errTemplateTooLarge: the spoke template is more than a StackSet's inline
// TemplateBody holds.
var errTemplateTooLarge = errors.New("more than a StackSet's inline TemplateBody holds")

// spoke is the spoke template: its stack, its compact JSON for the
// StackSet, the Regions its role names.
type spoke struct {
	stack   awscdk.Stack
	body    string
	regions regions
}

// newSpoke builds the spoke template (newSpokeStack). Its role names every
// Region of the deployment (spokeRegions) unless the template would then
// exceed maxTemplateBody: then the spoke is built again with anyRegion.
func newSpoke(app awscdk.App, cfg *Config) (*spoke, error) {
	rs, err := spokeRegions(cfg)
	if err != nil {
		return nil, err
	}
	for {
		stack, err := newSpokeStack(app, cfg, rs)
		if err != nil {
			return nil, err
		}
		body, err := templateBody(stack)
		if errors.Is(err, errTemplateTooLarge) && !rs.any() {
			app.Node().TryRemoveChild(jsii.String(SpokeStageID))
			rs = anyRegion
			continue
		}
		if err != nil {
			return nil, err
		}
		return &spoke{stack: stack, body: body, regions: rs}, nil
	}
}

// spokeRegions are the Regions the spoke role's statements name: the
// hub's functions assume it from every Region of the deployment and work
// in that Region of the member account, while IAM holds the role once
// (only the stack instance in cfg.SpokeRoleRegion creates it), so its
// ARNs cannot use the instance's own ${AWS::Region}. Each Region is named
// while the policy fits IAM's quota on a role's inline policies; beyond,
// anyRegion ("*" for the Region part, the account still the member's).
func spokeRegions(cfg *Config) (regions, error) {
	rs := regions(slices.Clone(cfg.Regions))
	ps, err := policy([]grant{{actions: spokeActions(cfg)}}, rs)
	if err != nil {
		return nil, fmt.Errorf("spoke role: %w", err)
	}
	if policyChars(ps) > maxRolePolicyChars {
		return anyRegion, nil
	}
	return rs, nil
}

// newSpokeStack is the template every member account gets in every Region
// through the StackSet. It lives in its own Stage, so `cdk deploy --all`
// never deploys it, and uses the bootstrapless synthesizer, which rejects
// assets: the StackSet carries the template inline, with nothing to upload.
// The spoke role's statements name the Regions rs.
func newSpokeStack(app awscdk.App, cfg *Config, rs regions) (awscdk.Stack, error) {
	stage := awscdk.NewStage(app, jsii.String(SpokeStageID), nil)
	stack := awscdk.NewStack(stage, jsii.String(SpokeStackID), &awscdk.StackProps{
		Synthesizer:        awscdk.NewBootstraplessSynthesizer(&awscdk.BootstraplessSynthesizerProps{}),
		AnalyticsReporting: jsii.Bool(false),
		Description:        jsii.String("secretguard spoke (StackSet): Config rules served by the hub, the spoke role, event forwarding, the secrets key"),
	})
	hubARN := func(service, resource string) string {
		return arn(service, *awscdk.Aws_REGION(), cfg.HubAccount, resource)
	}
	if contains(cfg.Functions, "evaluator") {
		newConfigRules(stack, hubARN("lambda", "function:"+FunctionName("evaluator")), cfg.Frequency)
	}
	if actions := spokeActions(cfg); len(actions) > 0 {
		if err := newSpokeRole(stack, cfg, actions, rs); err != nil {
			return nil, err
		}
	}
	if forwardsToHub(cfg.Functions) {
		forwardToHub(stack, hubARN("events", "event-bus/"+HubBusName), cfg.Functions)
	}
	newSecretsKey(stack)
	applyNag(stack)
	return stack, nil
}

// newSpokeRole is the role the hub's functions assume in a member account:
// trusted by their exact role ARNs within the organisation, allowed exactly
// the actions they declare, on the resources of the Regions rs. IAM is
// global, so only the stack instance in cfg.SpokeRoleRegion creates it.
func newSpokeRole(stack awscdk.Stack, cfg *Config, actions []string, rs regions) error {
	sts, err := statements([]grant{{actions: actions}}, rs)
	if err != nil {
		return fmt.Errorf("spoke role: %w", err)
	}
	var trusted []awsiam.IPrincipal
	for _, a := range roleARNs(cfg, cfg.HubAccount) {
		trusted = append(trusted, awsiam.NewArnPrincipal(jsii.String(a)))
	}
	role := awsiam.NewRole(stack, jsii.String("SpokeRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(cfg.SpokeRoleName),
		Description: jsii.String("secretguard: assumed by the hub's functions; exactly the actions their code declares"),
		AssumedBy: awsiam.NewPrincipalWithConditions(awsiam.NewCompositePrincipal(trusted...), &map[string]any{
			"StringEquals": map[string]any{"aws:PrincipalOrgID": cfg.OrganizationID},
		}),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"secretguard": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &sts}),
		},
	})
	cond := awscdk.NewCfnCondition(stack, jsii.String("IsSpokeRoleRegion"), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(cfg.SpokeRoleRegion)),
	})
	role.Node().DefaultChild().(awscdk.CfnResource).CfnOptions().SetCondition(cond)
	suppressWildcards(role, "", rs)
	return nil
}

// newOrgStack holds the StackSet that rolls the spoke out to the target
// OUs and Regions, for the management or delegated-administrator account.
func newOrgStack(app awscdk.App, cfg *Config, sp *spoke) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String(OrgStackID), &awscdk.StackProps{
		Env:         env(cfg.ManagementAccount, cfg.StackSetRegion),
		Description: jsii.String("secretguard organisation rollout: the spoke StackSet"),
	})
	awscloudformation.NewCfnStackSet(stack, jsii.String("SpokeStackSet"), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(StackSetName),
		Description:     jsii.String("secretguard spoke: Config rules, spoke role, event forwarding, secrets key"),
		PermissionModel: jsii.String("SERVICE_MANAGED"),
		CallAs:          jsii.String(cfg.CallAs),
		AutoDeployment: &awscloudformation.CfnStackSet_AutoDeploymentProperty{
			Enabled: jsii.Bool(true), RetainStacksOnAccountRemoval: jsii.Bool(false),
		},
		Capabilities: jsii.Strings("CAPABILITY_NAMED_IAM"),
		// A JSON property: CDK does not capitalise it.
		ManagedExecution: map[string]any{"Active": true},
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			RegionConcurrencyType:      jsii.String("PARALLEL"),
			MaxConcurrentPercentage:    jsii.Number(25),
			FailureTolerancePercentage: jsii.Number(10),
		},
		StackInstancesGroup: &[]*awscloudformation.CfnStackSet_StackInstancesProperty{{
			DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{
				OrganizationalUnitIds: jsii.Strings(cfg.TargetOUs...),
			},
			Regions: jsii.Strings(cfg.Regions...),
		}},
		TemplateBody: jsii.String(sp.body),
	})
	if sp.regions.any() && len(cfg.Regions) > 1 {
		awscdk.Annotations_Of(stack).AddInfo(jsii.String(fmt.Sprintf("the spoke role %s names its resources in any Region: "+
			"naming each of the %d Regions would exceed IAM's quota on a role's inline policies or a StackSet's TemplateBody", cfg.SpokeRoleName, len(cfg.Regions))))
	}
	applyNag(stack)
	return stack
}

// templateBody synthesizes the spoke's Stage and returns its template as
// compact JSON.
func templateBody(spoke awscdk.Stack) (string, error) {
	stage := awscdk.Stage_Of(spoke)
	tpl := stage.Synth(nil).GetStackArtifact(spoke.ArtifactId()).Template()
	b, err := json.Marshal(tpl)
	if err != nil {
		return "", fmt.Errorf("spoke template: %w", err)
	}
	if len(b) > maxTemplateBody {
		return "", fmt.Errorf("spoke template: %d bytes, %w (%d)", len(b), errTemplateTooLarge, maxTemplateBody)
	}
	return string(b), nil
}

func contains(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}
