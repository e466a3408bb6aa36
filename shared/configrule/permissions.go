package configrule

import (
	"slices"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/secret"
)

// EvaluatorPermissions lists what the evaluator function needs, for the
// infrastructure code that writes its policies.
func EvaluatorPermissions() []awsenv.Permission {
	return []awsenv.Permission{
		{Scope: awsenv.ScopeAccount, Actions: slices.Concat(secret.IAMActions, IAMActions)},
		{Scope: awsenv.ScopeSelf, Actions: []string{"lambda:InvokeFunction"}},
		{Scope: awsenv.ScopeSpokeRole, Actions: []string{"sts:AssumeRole"}},
		{Scope: awsenv.ScopeBaseline, Actions: slices.Clone(baseline.IAMActions)},
	}
}

// ResourcePermissions lists what the evaluator needs, in addition to
// EvaluatorPermissions, to serve the workload and account rules: the
// actions every resource check declares, in the same account scope (the
// spoke role of each member account, and the function's own role). They
// are kept apart so that a deployment adds them when it adds those rules.
func ResourcePermissions() []awsenv.Permission {
	var actions []string
	for _, c := range checks.AllResource() {
		actions = append(actions, c.IAMActions()...)
	}
	slices.Sort(actions)
	return []awsenv.Permission{{Scope: awsenv.ScopeAccount, Actions: slices.Compact(actions)}}
}

// EvaluatorIAMActions is every action of EvaluatorPermissions, sorted and
// without duplicates.
func EvaluatorIAMActions() []string {
	var all []string
	for _, p := range EvaluatorPermissions() {
		all = append(all, p.Actions...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}
