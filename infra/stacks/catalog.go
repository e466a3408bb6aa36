package stacks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/secretguard/secretguard/shared/accessdenied"
	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/configrule"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/revoke"
	"github.com/secretguard/secretguard/shared/tickets"
	"github.com/secretguard/secretguard/shared/vpcendpoint"
)

// spec is one Lambda function: adding a function is one line in catalog
// (and its env and grants functions below).
type spec struct {
	name    string
	timeout float64 // seconds
	memory  float64 // MB
	trigger trigger
	env     func(w *wiring) map[string]string
	grants  func(w *wiring) ([]grant, error)
	// spoke lists the actions the function performs in member accounts
	// through its own spoke role, SpokeRole(spokeRoleName, name) (nil: it
	// never leaves its own account, and has no spoke role).
	spoke func() []string
}

// How a function is invoked.
type trigger int

const (
	triggerAsync  trigger = iota // AWS Config and its own hand-over: a DLQ for failed events
	triggerQueue                 // EventBridge -> SQS -> Lambda: a redrive DLQ
	triggerDirect                // invoked by people (aws lambda invoke): no DLQ
)

var catalog = []spec{
	{"evaluator", 900, 512, triggerAsync, evaluatorEnv, evaluatorGrants, evaluatorSpokeActions},
	{"remediator", 300, 512, triggerQueue, remediatorEnv, remediatorGrants, remediatorSpokeActions},
	{"workloads", 300, 512, triggerQueue, workloadsEnv, workloadsGrants, workloadsSpokeActions},
	{"notifier", 60, 256, triggerQueue, notifierEnv, notifierGrants, nil},
	{"revoker", 900, 512, triggerDirect, revokerEnv, revokerGrants, nil},
	{"accesswatch", 60, 256, triggerAsync, accesswatchEnv, accesswatchGrants, nil},
}

func catalogNames() []string {
	var out []string
	for _, s := range catalog {
		out = append(out, s.name)
	}
	return out
}

func specFor(name string) *spec {
	for i := range catalog {
		if catalog[i].name == name {
			return &catalog[i]
		}
	}
	return nil
}

// FunctionName is the physical name of a function: fixed, so that member
// accounts can name the hub's functions without cross-account references.
func FunctionName(fn string) string { return "secretguard-" + fn }

// RoleName is the physical name of a function's role in a Region: fixed and
// Region-qualified (IAM is global), so its spoke role can trust exact ARNs.
func RoleName(fn, region string) string { return "secretguard-" + fn + "-" + region }

// SpokeRole is the physical name of the role function fn assumes in member
// accounts: one per function that acts there, named from the spokeRoleName
// context (prefix), so that each holds that function's actions only and
// trusts that function's roles only.
func SpokeRole(prefix, fn string) string { return awsenv.SpokeRole(prefix, fn) }

// spokeRole is the spoke role of fn in this deployment (SPOKE_ROLE_NAME).
func (w *wiring) spokeRole(fn string) string { return SpokeRole(w.cfg.SpokeRoleName, fn) }

func (w *wiring) baselineEnv() string { return baseline.SSMPrefix + w.cfg.BaselineParameter }

func evaluatorEnv(w *wiring) map[string]string {
	return map[string]string{"BASELINE": w.baselineEnv(), "SPOKE_ROLE_NAME": w.spokeRole("evaluator")}
}

// evaluatorPermissions: the secret checks' and the workload and account
// checks' (secretguard deploys every rule of baseline.ResourceCheckIDs).
func evaluatorPermissions() []awsenv.Permission {
	return slices.Concat(configrule.EvaluatorPermissions(), configrule.ResourcePermissions())
}

func evaluatorGrants(w *wiring) ([]grant, error) {
	return w.permissionGrants("evaluator", evaluatorPermissions())
}

func evaluatorSpokeActions() []string { return accountActions(evaluatorPermissions()) }

// The remediator and workloads are the same engine (shared/engine) serving
// different checks: the same environment, and grants of the same shape
// from what the engine declares for each.

// engineEnv is the environment of the engine function fn.
func engineEnv(w *wiring, fn string) map[string]string {
	return map[string]string{
		"BASELINE": w.baselineEnv(), "TABLE_NAME": w.tableName, "EVENT_BUS_NAME": w.busName,
		"SPOKE_ROLE_NAME": w.spokeRole(fn), "DRY_RUN": strconv.FormatBool(w.cfg.DryRun),
	}
}

// remediatorPermissions: the secret checks' engine, the Observer's reads
// and every secret remedy's actions (engine.Permissions).
func remediatorPermissions() []awsenv.Permission { return engine.Permissions() }

func remediatorEnv(w *wiring) map[string]string { return engineEnv(w, "remediator") }

func remediatorGrants(w *wiring) ([]grant, error) {
	return w.permissionGrants("remediator", remediatorPermissions())
}

func remediatorSpokeActions() []string { return accountActions(remediatorPermissions()) }

// workloadsPermissions: the workload and account checks' engine, the
// checks' reads (engine.ResourceActions) and the create-vpc-endpoint
// remedy's actions (engine.ResourcePermissions).
func workloadsPermissions() []awsenv.Permission {
	return engine.ResourcePermissions(vpcendpoint.IAMActions)
}

func workloadsEnv(w *wiring) map[string]string { return engineEnv(w, "workloads") }

func workloadsGrants(w *wiring) ([]grant, error) {
	return w.permissionGrants("workloads", workloadsPermissions())
}

func workloadsSpokeActions() []string { return accountActions(workloadsPermissions()) }

// permissionGrants turns the permissions a shared package declares for
// function fn into grants, each scope on its resources: the account's
// (scopesFor), the function itself, its own spoke role (hub only), the
// baseline parameter, the ledger table, the event bus.
func (w *wiring) permissionGrants(fn string, ps []awsenv.Permission) ([]grant, error) {
	var gs []grant
	for _, p := range ps {
		switch p.Scope {
		case awsenv.ScopeAccount:
			gs = append(gs, grant{actions: p.Actions})
		case awsenv.ScopeSelf:
			gs = append(gs, grant{actions: p.Actions, resources: []string{here("lambda", "function:"+FunctionName(fn))}})
		case awsenv.ScopeSpokeRole:
			gs = append(gs, w.assumeSpoke(fn, p.Actions)...)
		case awsenv.ScopeBaseline:
			gs = append(gs, w.readBaseline(p.Actions))
		case engine.ScopeTable:
			gs = append(gs, w.onTable(p.Actions))
		case engine.ScopeBus:
			gs = append(gs, grant{actions: p.Actions, resources: []string{w.busARN}})
		default:
			return nil, fmt.Errorf("%s: unknown permission scope %q", fn, p.Scope)
		}
	}
	return gs, nil
}

// accountActions are the account-scope actions of ps: what a function
// performs in member accounts through its spoke role.
func accountActions(ps []awsenv.Permission) []string {
	var out []string
	for _, p := range ps {
		if p.Scope == awsenv.ScopeAccount {
			out = append(out, p.Actions...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func notifierEnv(w *wiring) map[string]string {
	return map[string]string{"BASELINE": w.baselineEnv(), "TABLE_NAME": w.tableName}
}

func notifierGrants(w *wiring) ([]grant, error) {
	gs := []grant{w.readBaseline(baseline.IAMActions)}
	sinks, err := sinkGrants(w.cfg.Baseline.TicketsOrDefault())
	store := (&tickets.Store{}).Permissions(w.tableARN)
	return slices.Concat(gs, sinks, fromTickets(store)), err
}

func revokerEnv(w *wiring) map[string]string {
	return map[string]string{
		"TABLE_NAME": w.tableName, "EVENT_BUS_NAME": w.busName,
		"BREAK_GLASS_ROLE": strings.Join(w.cfg.BreakGlassRoles, ","),
	}
}

func revokerGrants(w *wiring) ([]grant, error) {
	return []grant{
		{actions: without(revoke.IAMActions, "dynamodb:", "events:")},
		w.onTable(only(revoke.IAMActions, "dynamodb:")),
		w.onBus(),
	}, nil
}

func accesswatchEnv(w *wiring) map[string]string {
	return map[string]string{"EVENT_BUS_NAME": w.busName, "TABLE_NAME": w.tableName}
}

// accesswatchGrants: the Watcher's PutEvents on the bus the notifier listens
// on, its TableThrottle's update on the ledger table.
func accesswatchGrants(w *wiring) ([]grant, error) {
	return []grant{
		{actions: accessdenied.IAMActions, resources: []string{w.busARN}},
		w.onTable(accessdenied.ThrottleIAMActions),
	}, nil
}

// wiring is what the functions' environment and grants are built from.
type wiring struct {
	cfg       *Config
	hub       bool // organization mode: member accounts through the spoke role
	tableName string
	tableARN  string
	busName   string
	busARN    string
	paramARN  string
}

func (w *wiring) onTable(actions []string) grant {
	return grant{actions: actions, resources: []string{w.tableARN}}
}

func (w *wiring) onBus() grant {
	return grant{actions: []string{"events:PutEvents"}, resources: []string{w.busARN}}
}

// readBaseline grants the baseline loader's SSM read on the parameter. Its
// kms:Decrypt serves SecureString parameters under a customer managed key;
// the stacks write a String parameter (CloudFormation cannot write a
// SecureString), so it is left out.
func (w *wiring) readBaseline(actions []string) grant {
	return grant{actions: only(actions, "ssm:"), resources: []string{w.paramARN}}
}

// assumeSpoke grants function fn sts:AssumeRole on its own spoke role in
// every account of the organisation, never on another function's (hub
// only; a single-account deployment never assumes).
func (w *wiring) assumeSpoke(fn string, actions []string) []grant {
	if !w.hub {
		return nil
	}
	return []grant{{
		actions:    actions,
		resources:  []string{arn("iam", "", "*", "role/"+w.spokeRole(fn))},
		conditions: map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": w.cfg.OrganizationID}},
	}}
}

// sinkGrants are the notifier's permissions for the baseline's ticket
// sinks, as the tickets package declares them: GetSecretValue only on the
// Jira and webhook credential secrets the baseline names. The clients are
// typed nil: building a sink calls no API.
func sinkGrants(t baseline.Tickets) ([]grant, error) {
	sinks, err := tickets.NewSinks(t, tickets.Clients{
		OpsCenter: (*ssm.Client)(nil), SecurityHub: (*securityhub.Client)(nil), SNS: (*sns.Client)(nil),
		Secrets: (*secretsmanager.Client)(nil), Account: "${AccountId}", Region: "${Region}", Partition: "${Partition}",
	})
	if err != nil {
		return nil, fmt.Errorf("notifier: %w", err)
	}
	return fromTickets(tickets.Permissions(sinks)), nil
}

// fromTickets turns tickets permissions into grants; ${Partition},
// ${Region} and ${AccountId} become the stack's own.
func fromTickets(ps []tickets.Permission) []grant {
	expand := strings.NewReplacer("${Partition}", *awscdk.Aws_PARTITION(), "${Region}", *awscdk.Aws_REGION(), "${AccountId}", *awscdk.Aws_ACCOUNT_ID())
	var gs []grant
	for _, p := range ps {
		g := grant{actions: p.Actions}
		for _, r := range p.Resources {
			g.resources = append(g.resources, expand.Replace(r))
		}
		gs = append(gs, g)
	}
	return gs
}
