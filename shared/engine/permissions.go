package engine

import (
	"slices"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome/publish"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
)

// Scopes of the remediator's permissions besides configrule's.
const (
	// ScopeTable: on the shared DynamoDB table.
	ScopeTable = "table"
	// ScopeBus: on the secretguard event bus.
	ScopeBus = "event-bus"
)

// EventActions are what sending events needs.
var EventActions = publish.IAMActions

// Permissions lists what the remediator needs, and where: the Observer's
// reads and every remedy's actions in each account (the spoke role, and
// the function's own role for its own account), sts:AssumeRole on the spoke
// role, the baseline's parameter, the table and the bus.
func Permissions() []awsenv.Permission {
	return permissions(slices.Concat(secret.IAMActions, remedies.IAMActions()))
}

// ResourcePermissions lists what an engine that serves the workload and
// account checks needs (the workloads function): the checks' reads
// (ResourceActions) and the given remedies' actions in each account, and
// the rest as Permissions.
func ResourcePermissions(remedyActions ...[]string) []awsenv.Permission {
	return permissions(slices.Concat(append([][]string{ResourceActions()}, remedyActions...)...))
}

func permissions(account []string) []awsenv.Permission {
	slices.Sort(account)
	return []awsenv.Permission{
		{Scope: awsenv.ScopeAccount, Actions: slices.Compact(account)},
		{Scope: awsenv.ScopeSpokeRole, Actions: []string{"sts:AssumeRole"}},
		{Scope: awsenv.ScopeBaseline, Actions: slices.Clone(baseline.IAMActions)},
		{Scope: ScopeTable, Actions: slices.Clone(ledger.IAMActions)},
		{Scope: ScopeBus, Actions: slices.Clone(EventActions)},
	}
}
