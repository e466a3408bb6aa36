package stacks

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Stack IDs (and CloudFormation stack names).
const (
	SingleStackPrefix = "SecretGuard-"    // + Region
	HubStackPrefix    = "SecretGuardHub-" // + Region
	SpokeStageID      = "SpokeTemplate"   // a Stage: `cdk deploy --all` skips it
	SpokeStackID      = "SecretGuardSpoke"
	OrgStackID        = "SecretGuardOrg"
	StackSetName      = "secretguard-spoke"
)

// Built holds the stacks Build made, for tests.
type Built struct {
	Config *Config
	Single map[string]awscdk.Stack // by Region
	Hub    map[string]awscdk.Stack // by Region
	Spoke  awscdk.Stack
	Org    awscdk.Stack
	spoke  *spoke // the spoke roles' Regions and fallbacks
}

// Build reads the context of app and adds the stacks of its deployment
// mode: one stack per Region (single), or a hub stack per Region, the spoke
// template (in a Stage) and the StackSet stack (organization).
func Build(app awscdk.App) (*Built, error) {
	cfg, err := ConfigFromContext(app.Node())
	if err != nil {
		return nil, err
	}
	b := &Built{Config: cfg, Single: map[string]awscdk.Stack{}, Hub: map[string]awscdk.Stack{}}
	if cfg.Deployment == ModeSingle {
		for _, r := range cfg.Regions {
			if b.Single[r], err = newSingleStack(app, cfg, r); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	for _, r := range cfg.Regions {
		if b.Hub[r], err = newHubStack(app, cfg, r); err != nil {
			return nil, err
		}
	}
	sp, err := newSpoke(app, cfg)
	if err != nil {
		return nil, err
	}
	b.Spoke, b.Org, b.spoke = sp.stack, newOrgStack(app, cfg, sp), sp
	return b, nil
}

func env(account, region string) *awscdk.Environment {
	e := &awscdk.Environment{Region: jsii.String(region)}
	if account != "" {
		e.Account = jsii.String(account)
	}
	return e
}

// newSingleStack: everything in one account and Region.
func newSingleStack(app awscdk.App, cfg *Config, region string) (awscdk.Stack, error) {
	stack := awscdk.NewStack(app, jsii.String(SingleStackPrefix+region), &awscdk.StackProps{
		Env:         env(cfg.Account, region),
		Description: jsii.String("secretguard (single account): evaluator, remediator, workloads, notifier, revoker and accesswatch functions, Config rules, secrets key"),
	})
	c, err := newCore(stack, cfg)
	if err != nil {
		return nil, err
	}
	newSecretsKey(stack)
	w := &wiring{
		cfg: cfg, tableName: *c.table.TableName(), tableARN: *c.table.TableArn(),
		busName: "default", busARN: here("events", "event-bus/default"), paramARN: *c.param.ParameterArn(),
	}
	fs, err := newFunctions(stack, cfg, region, w, c.topic)
	if err != nil {
		return nil, err
	}
	if ev := fs.byName["evaluator"]; ev != nil {
		ev.fn.AddPermission(jsii.String("ConfigInvoke"), &awslambda.Permission{
			Principal:     awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), nil),
			SourceAccount: awscdk.Aws_ACCOUNT_ID(),
		})
		perm := ev.fn.Node().FindChild(jsii.String("ConfigInvoke"))
		for _, r := range newConfigRules(stack, *ev.fn.FunctionArn(), cfg.Frequency) {
			r.Node().AddDependency(perm) // Config checks it may invoke the function
		}
	}
	defaultBus := awsevents.EventBus_FromEventBusName(stack, jsii.String("DefaultBus"), jsii.String("default"))
	routeToQueues(stack, defaultBus, fs)
	routeAccessDenied(stack, defaultBus, fs)
	suppressFunctionFindings(fs, w.hub, cfg.SpokeRoleName)
	applyNag(stack)
	return stack, nil
}

// newHubStack: the functions, the central bus, the ledger and the notifier
// in the hub account; member accounts reach it through the spoke.
func newHubStack(app awscdk.App, cfg *Config, region string) (awscdk.Stack, error) {
	stack := awscdk.NewStack(app, jsii.String(HubStackPrefix+region), &awscdk.StackProps{
		Env:         env(cfg.HubAccount, region),
		Description: jsii.String("secretguard hub: functions, central event bus, ledger and notifier for the organisation"),
	})
	c, err := newCore(stack, cfg)
	if err != nil {
		return nil, err
	}
	bus := awsevents.NewEventBus(stack, jsii.String("Bus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(HubBusName),
		Description:  jsii.String("secretguard: secret events forwarded by the organisation's accounts"),
	})
	// The bus's own Policy property (one resource, no EventBusPolicy).
	bus.Node().DefaultChild().(awsevents.CfnEventBus).SetPolicy(awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowOrganizationForwarding"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("events:PutEvents"),
			Resources:  jsii.Strings(here("events", "event-bus/"+HubBusName)),
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"aws:PrincipalOrgID": cfg.OrganizationID,
				// Members forward AWS events only; secretguard's own
				// events come from the hub's functions.
				"events:source": []string{"aws.config", "aws.secretsmanager"},
			}},
		})},
	}))
	w := &wiring{
		cfg: cfg, hub: true, tableName: *c.table.TableName(), tableARN: *c.table.TableArn(),
		busName: HubBusName, busARN: *bus.EventBusArn(), paramARN: *c.param.ParameterArn(),
	}
	fs, err := newFunctions(stack, cfg, region, w, c.topic)
	if err != nil {
		return nil, err
	}
	if ev := fs.byName["evaluator"]; ev != nil {
		// One permission per account: Lambda permissions take
		// PrincipalOrgID for account principals only, so a service
		// principal cannot be bounded by the organisation (README.md, Deploy).
		accounts := append(slices.Clone(cfg.MemberAccounts), cfg.HubAccount)
		slices.Sort(accounts)
		for _, a := range slices.Compact(accounts) {
			ev.fn.AddPermission(jsii.String("ConfigInvoke"+a), &awslambda.Permission{
				Principal:     awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), nil),
				SourceAccount: jsii.String(a),
			})
		}
		awscdk.NewCfnOutput(stack, jsii.String("EvaluatorArn"), &awscdk.CfnOutputProps{Value: ev.fn.FunctionArn()})
	}
	routeToQueues(stack, bus, fs)
	routeAccessDenied(stack, bus, fs)
	awscdk.NewCfnOutput(stack, jsii.String("HubBusArn"), &awscdk.CfnOutputProps{Value: bus.EventBusArn()})
	suppressFunctionFindings(fs, w.hub, cfg.SpokeRoleName)
	applyNag(stack)
	return stack, nil
}
