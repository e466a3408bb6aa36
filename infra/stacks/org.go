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
// StackSet, and per function with a spoke role the Regions that role names
// and, where that is anyRegion, why.
type spoke struct {
	stack    awscdk.Stack
	body     string
	regions  map[string]regions
	fallback map[string]string
}

// Why a spoke role names its resources in any Region.
const (
	fallbackPolicy   = "IAM's quota on a role's inline policies (10,240 characters)"
	fallbackTemplate = "a StackSet's inline TemplateBody (51,200 bytes)"
)

// newSpoke builds the spoke template (newSpokeStack). Each spoke role names
// every Region of the deployment (spokeRegions) unless its policy would
// then exceed IAM's quota; and while the template would exceed
// maxTemplateBody, the spoke is built again with one more role on
// anyRegion: the one whose policy that shortens most (nextFallback).
func newSpoke(app awscdk.App, cfg *Config) (*spoke, error) {
	sp := &spoke{regions: map[string]regions{}, fallback: map[string]string{}}
	for _, fn := range spokeFunctions(cfg) {
		rs, err := spokeRegions(cfg, fn)
		if err != nil {
			return nil, err
		}
		if sp.regions[fn] = rs; rs.any() {
			sp.fallback[fn] = fallbackPolicy
		}
	}
	for {
		stack, err := newSpokeStack(app, cfg, sp.regions)
		if err != nil {
			return nil, err
		}
		body, err := templateBody(stack)
		if errors.Is(err, errTemplateTooLarge) {
			if fn := nextFallback(sp.regions); fn != "" {
				app.Node().TryRemoveChild(jsii.String(SpokeStageID))
				sp.regions[fn], sp.fallback[fn] = anyRegion, fallbackTemplate
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		sp.stack, sp.body = stack, body
		return sp, nil
	}
}

// nextFallback is the spoke role, among those that still name Regions,
// whose policy anyRegion shortens most ("" when none is left); the first
// in catalog order on a tie.
func nextFallback(byFn map[string]regions) string {
	best, saved := "", 0
	for _, s := range catalog {
		rs, ok := byFn[s.name]
		if !ok || rs.any() {
			continue
		}
		named, err1 := policy([]grant{{actions: spokeActions(s.name)}}, rs)
		anyR, err2 := policy([]grant{{actions: spokeActions(s.name)}}, anyRegion)
		if err1 != nil || err2 != nil {
			continue // spokeRegions has scoped every action already
		}
		if n := policyChars(named) - policyChars(anyR); best == "" || n > saved {
			best, saved = s.name, n
		}
	}
	return best
}

// spokeRegions are the Regions the statements of fn's spoke role name: the
// hub's fn assumes it from every Region of the deployment and works in that
// Region of the member account, while IAM holds the role once (only the
// stack instance in cfg.SpokeRoleRegion creates it), so its ARNs cannot use
// the instance's own ${AWS::Region}. Each Region is named while the policy
// fits IAM's quota on a role's inline policies; beyond, anyRegion ("*" for
// the Region part, the account still the member's).
func spokeRegions(cfg *Config, fn string) (regions, error) {
	rs := regions(slices.Clone(cfg.Regions))
	ps, err := policy([]grant{{actions: spokeActions(fn)}}, rs)
	if err != nil {
		return nil, fmt.Errorf("spoke role of %s: %w", fn, err)
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
// Each function's spoke role names the Regions rs[function].
func newSpokeStack(app awscdk.App, cfg *Config, rs map[string]regions) (awscdk.Stack, error) {
	stage := awscdk.NewStage(app, jsii.String(SpokeStageID), nil)
	stack := awscdk.NewStack(stage, jsii.String(SpokeStackID), &awscdk.StackProps{
		Synthesizer:        awscdk.NewBootstraplessSynthesizer(&awscdk.BootstraplessSynthesizerProps{}),
		AnalyticsReporting: jsii.Bool(false),
		Description:        jsii.String("secretguard spoke (StackSet): Config rules served by the hub, a spoke role per hub function that acts in member accounts, event forwarding, the secrets key"),
	})
	hubARN := func(service, resource string) string {
		return arn(service, *awscdk.Aws_REGION(), cfg.HubAccount, resource)
	}
	if contains(cfg.Functions, "evaluator") {
		newConfigRules(stack, hubARN("lambda", "function:"+FunctionName("evaluator")), cfg.Frequency)
	}
	if fns := spokeFunctions(cfg); len(fns) > 0 {
		// IAM is global: only the stack instance in cfg.SpokeRoleRegion
		// creates the roles.
		cond := awscdk.NewCfnCondition(stack, jsii.String("IsSpokeRoleRegion"), &awscdk.CfnConditionProps{
			Expression: awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(cfg.SpokeRoleRegion)),
		})
		for _, fn := range fns {
			if err := newSpokeRole(stack, cfg, fn, rs[fn], cond); err != nil {
				return nil, err
			}
		}
	}
	if forwardsToHub(cfg.Functions) {
		forwardToHub(stack, hubARN("events", "event-bus/"+HubBusName), cfg.Functions)
	}
	newSecretsKey(stack)
	applyNag(stack)
	return stack, nil
}

// newSpokeRole is the role the hub's function fn assumes in a member
// account, SpokeRole(spokeRoleName, fn): trusted by fn's exact role ARNs
// (one per Region) within the organisation and by no other function's,
// allowed exactly the member-account actions fn declares, on the resources
// of the Regions rs. It exists only where cond holds (cfg.SpokeRoleRegion).
//
// An L1 role, for a trust policy of one statement naming every Region's
// role: an L2 role writes one statement per principal, about 150 more
// characters per Region against IAM's 2,048-character quota on a role's
// trust policy (and the StackSet's TemplateBody).
func newSpokeRole(stack awscdk.Stack, cfg *Config, fn string, rs regions, cond awscdk.CfnCondition) error {
	sts, granted, err := statements([]grant{{actions: spokeActions(fn)}}, rs)
	if err != nil {
		return fmt.Errorf("spoke role of %s: %w", fn, err)
	}
	var trusted []awsiam.IPrincipal
	for _, a := range roleARNs(cfg, fn) {
		trusted = append(trusted, awsiam.NewArnPrincipal(jsii.String(a)))
	}
	trust := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &trusted,
			Actions:    jsii.Strings("sts:AssumeRole"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": cfg.OrganizationID}},
		}),
	}})
	role := awsiam.NewCfnRole(stack, jsii.String(fn+"SpokeRole"), &awsiam.CfnRoleProps{
		RoleName:                 jsii.String(SpokeRole(cfg.SpokeRoleName, fn)),
		Description:              jsii.String("secretguard: assumed by the hub's " + fn + " only; exactly the member-account actions its code declares"),
		AssumeRolePolicyDocument: trust,
		Policies: &[]any{&awsiam.CfnRole_PolicyProperty{
			PolicyName:     jsii.String("secretguard"),
			PolicyDocument: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &sts}),
		}},
	})
	role.CfnOptions().SetCondition(cond)
	suppressWildcards(role, granted, "", rs)
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
		Description:     jsii.String("secretguard spoke: Config rules, spoke roles, event forwarding, secrets key"),
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
	for _, fn := range spokeFunctions(cfg) {
		if why := sp.fallback[fn]; why != "" && len(cfg.Regions) > 1 {
			awscdk.Annotations_Of(stack).AddInfo(jsii.String(fmt.Sprintf("the spoke role %s names its resources in any Region: "+
				"naming each of the %d Regions would exceed %s", SpokeRole(cfg.SpokeRoleName, fn), len(cfg.Regions), why)))
		}
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
