package stacks

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/workload"
)

// RuleName is the AWS Config rule of a check.
func RuleName(check string) string { return "secretguard-" + check }

// newConfigRules adds one custom Lambda rule per check, all served by the
// evaluator at evaluatorARN: the secret checks change-triggered on secrets
// and periodic; the workload checks change-triggered on their resource type
// and periodic; the account checks (AWS::::Account) periodic only.
func newConfigRules(scope constructs.Construct, evaluatorARN, frequency string) []awsconfig.CfnConfigRule {
	docs, types := map[string]string{}, checkResourceTypes()
	for _, c := range checks.All() {
		docs[c.ID()] = c.Doc()
	}
	for _, c := range checks.AllResource() {
		docs[c.ID()] = c.Doc()
	}
	var out []awsconfig.CfnConfigRule
	for _, check := range baseline.AllCheckIDs() {
		desc := "secretguard: " + docs[check]
		if len(desc) > 256 {
			desc = desc[:253] + "..."
		}
		periodic := &awsconfig.CfnConfigRule_SourceDetailProperty{
			EventSource: jsii.String("aws.config"), MessageType: jsii.String("ScheduledNotification"), MaximumExecutionFrequency: jsii.String(frequency),
		}
		details := []*awsconfig.CfnConfigRule_SourceDetailProperty{periodic}
		var ruleScope *awsconfig.CfnConfigRule_ScopeProperty
		if t := types[check]; t != workload.TypeAccount {
			ruleScope = &awsconfig.CfnConfigRule_ScopeProperty{ComplianceResourceTypes: jsii.Strings(t)}
			details = []*awsconfig.CfnConfigRule_SourceDetailProperty{
				{EventSource: jsii.String("aws.config"), MessageType: jsii.String("ConfigurationItemChangeNotification")},
				{EventSource: jsii.String("aws.config"), MessageType: jsii.String("OversizedConfigurationItemChangeNotification")},
				periodic,
			}
		}
		out = append(out, awsconfig.NewCfnConfigRule(scope, jsii.String("Rule-"+check), &awsconfig.CfnConfigRuleProps{
			ConfigRuleName:  jsii.String(RuleName(check)),
			Description:     jsii.String(desc),
			InputParameters: map[string]string{"check": check},
			Scope:           ruleScope,
			Source: &awsconfig.CfnConfigRule_SourceProperty{
				Owner:            jsii.String("CUSTOM_LAMBDA"),
				SourceIdentifier: jsii.String(evaluatorARN),
				SourceDetails:    &details,
			},
		}))
	}
	return out
}

const secretResourceType = "AWS::SecretsManager::Secret"

// secretsManagerEvents are the CloudTrail events that can take a secret off
// the baseline (or create one), so the remediator reconciles it at once.
var secretsManagerEvents = []string{
	"CreateSecret", "UpdateSecret", "RestoreSecret", "RotateSecret", "CancelRotateSecret",
	"PutResourcePolicy", "DeleteResourcePolicy", "TagResource", "UntagResource",
	"ReplicateSecretToRegions", "RemoveRegionsFromReplication", "StopReplicationToReplica",
}

// checkResourceTypes is the resource type of each check's rule: secrets
// for the secret checks, the checks' own for the workload and account
// checks.
func checkResourceTypes() map[string]string {
	types := map[string]string{}
	for _, c := range checks.All() {
		types[c.ID()] = secretResourceType
	}
	for _, c := range checks.AllResource() {
		types[c.ID()] = c.ResourceType()
	}
	return types
}

// complianceChangePattern: the compliance changes of the rules of the
// checks ids (exactly their names) on their resource types.
func complianceChangePattern(ids []string) *awsevents.EventPattern {
	all := checkResourceTypes()
	var names, types []any
	for _, id := range ids {
		names = append(names, RuleName(id))
		if t := all[id]; !slices.Contains(types, any(t)) {
			types = append(types, t)
		}
	}
	return &awsevents.EventPattern{
		Source:     jsii.Strings("aws.config"),
		DetailType: jsii.Strings("Config Rules Compliance Change"),
		Detail: &map[string]any{
			"configRuleName": names,
			"resourceType":   types,
		},
	}
}

// The compliance changes each engine serves: the secret checks' for the
// remediator, the workload and account checks' for workloads.
func secretComplianceChangePattern() *awsevents.EventPattern {
	return complianceChangePattern(baseline.CheckIDs)
}

func resourceComplianceChangePattern() *awsevents.EventPattern {
	return complianceChangePattern(baseline.ResourceCheckIDs)
}

func cloudTrailPattern() *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     jsii.Strings("aws.secretsmanager"),
		DetailType: jsii.Strings("AWS API Call via CloudTrail"),
		Detail: &map[string]any{
			"eventSource": []any{"secretsmanager.amazonaws.com"},
			"eventName":   secretsManagerEvents,
		},
	}
}

// accessDeniedPattern: refused secret reads (GetSecretValue and
// BatchGetSecretValue with an errorCode), which accesswatch turns into
// Secret Access Denied events.
func accessDeniedPattern() *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     jsii.Strings("aws.secretsmanager"),
		DetailType: jsii.Strings("AWS API Call via CloudTrail"),
		Detail: &map[string]any{
			"eventSource": []any{"secretsmanager.amazonaws.com"},
			"eventName":   []any{"GetSecretValue", "BatchGetSecretValue"},
			"errorCode":   []any{map[string]any{"exists": true}},
		},
	}
}

// allManagementEvents is the rule state that receives read-only management
// events (GetSecretValue is one): a rule in state ENABLED never sees them.
// The L2 Rule has no such state, so it is set on the CfnRule.
const allManagementEvents = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

func withAllManagementEvents(r awsevents.Rule) awsevents.Rule {
	r.Node().DefaultChild().(awsevents.CfnRule).SetState(jsii.String(allManagementEvents))
	return r
}

// routeAccessDenied adds the rule on bus that invokes accesswatch with
// refused secret reads (asynchronously: failed deliveries and invocations
// go to its DLQ).
func routeAccessDenied(scope constructs.Construct, bus awsevents.IEventBus, fs *functions) {
	f := fs.byName["accesswatch"]
	if f == nil {
		return
	}
	withAllManagementEvents(awsevents.NewRule(scope, jsii.String("AccessDenied"), &awsevents.RuleProps{
		EventBus: bus, Description: jsii.String("secretguard: refused secret reads (CloudTrail) -> accesswatch"),
		EventPattern: accessDeniedPattern(),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(f.fn, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: f.dlq, RetryAttempts: jsii.Number(8),
		})},
	}))
}

// routeToQueues adds the rules on bus that feed the remediator (compliance
// changes of the secret checks' rules and Secrets Manager CloudTrail
// events), workloads (compliance changes of the workload and account
// checks' rules) and the notifier (secretguard's own events), each to its
// queue, failures to its DLQ. Each function gets only its own events.
func routeToQueues(scope constructs.Construct, bus awsevents.IEventBus, fs *functions) {
	target := func(name string) awsevents.IRuleTarget {
		f := fs.byName[name]
		return awseventstargets.NewSqsQueue(f.queue, &awseventstargets.SqsQueueProps{
			DeadLetterQueue: f.dlq,
			RetryAttempts:   jsii.Number(8),
		})
	}
	rule := func(id, desc string, p *awsevents.EventPattern, t awsevents.IRuleTarget) {
		awsevents.NewRule(scope, jsii.String(id), &awsevents.RuleProps{
			EventBus: bus, Description: jsii.String(desc), EventPattern: p,
			Targets: &[]awsevents.IRuleTarget{t},
		})
	}
	if fs.byName["remediator"] != nil {
		rule("ComplianceChange", "secretguard: Config compliance changes of the secret checks' rules -> remediator", secretComplianceChangePattern(), target("remediator"))
		rule("SecretsManagerCloudTrail", "secretguard: Secrets Manager changes (CloudTrail) -> remediator", cloudTrailPattern(), target("remediator"))
	}
	if fs.byName["workloads"] != nil {
		rule("ResourceComplianceChange", "secretguard: Config compliance changes of the workload and account checks' rules -> workloads", resourceComplianceChangePattern(), target("workloads"))
	}
	if fs.byName["notifier"] != nil {
		rule("Outcomes", "secretguard: secretguard outcomes -> notifier", &awsevents.EventPattern{
			Source: jsii.Strings(outcome.Source), DetailType: jsii.Strings(outcome.DetailTypes...),
		}, target("notifier"))
	}
}

// forwardToHub adds the rules on the account's default bus that send to the
// hub bus what the wired functions fns serve: the compliance changes of
// every secretguard rule (for the remediator and workloads, which the hub
// bus routes apart), Secrets Manager CloudTrail events (for the remediator)
// and refused secret reads (for accesswatch).
func forwardToHub(scope constructs.Construct, hubBusARN string, fns []string) {
	bus := awsevents.EventBus_FromEventBusArn(scope, jsii.String("HubBus"), jsii.String(hubBusARN))
	role := awsiam.NewRole(scope, jsii.String("ForwarderRole"), &awsiam.RoleProps{
		Description: jsii.String("secretguard: EventBridge forwards secret events to the hub bus"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()}},
		}),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"forward": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
			Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("events:PutEvents"), Resources: jsii.Strings(hubBusARN),
			})},
		})},
	})
	forward := func(id string, p *awsevents.EventPattern) awsevents.Rule {
		return awsevents.NewRule(scope, jsii.String(id), &awsevents.RuleProps{
			Description:  jsii.String("secretguard: forward to the hub bus"),
			EventPattern: p,
			Targets:      &[]awsevents.IRuleTarget{newBusTarget(bus, role)},
		})
	}
	if forwardsComplianceChanges(fns) {
		forward("ForwardComplianceChange", complianceChangePattern(baseline.AllCheckIDs()))
	}
	if slices.Contains(fns, "remediator") {
		forward("ForwardSecretsManagerCloudTrail", cloudTrailPattern())
	}
	if slices.Contains(fns, "accesswatch") {
		withAllManagementEvents(forward("ForwardAccessDenied", accessDeniedPattern()))
	}
}

// forwardsComplianceChanges: either engine is wired.
func forwardsComplianceChanges(fns []string) bool {
	return slices.Contains(fns, "remediator") || slices.Contains(fns, "workloads")
}

// forwardsToHub: the member accounts have events for the hub.
func forwardsToHub(fns []string) bool {
	return forwardsComplianceChanges(fns) || slices.Contains(fns, "accesswatch")
}

func newBusTarget(bus awsevents.IEventBus, role awsiam.IRole) awsevents.IRuleTarget {
	return awseventstargets.NewEventBus(bus, &awseventstargets.EventBusProps{Role: role})
}
