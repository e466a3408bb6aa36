package dispatch

import (
	"fmt"
	"strings"
)

// Serves says which part of the work a function serves.
type Serves int

const (
	// Secrets: secret reconciles and sweeps (secretguard-remediator).
	Secrets Serves = iota
	// ResourceChecks: the workload and account checks
	// (secretguard-workloads).
	ResourceChecks
)

// Name is the function's short name (its directory under functions/).
func (s Serves) Name() string {
	if s == ResourceChecks {
		return "workloads"
	}
	return "remediator"
}

// Function is the deployed function's name.
func (s Serves) Function() string { return "secretguard-" + s.Name() }

func (s Serves) String() string {
	if s == ResourceChecks {
		return "workload and account checks"
	}
	return "secret reconciles"
}

// Skip says why a function serving s leaves tr to the other function, or
// "" when s serves it.
func (s Serves) Skip(tr Trigger) string {
	switch {
	case tr.Resource != nil && s != ResourceChecks:
		what := "check " + tr.Resource.Check
		if rule, ok := strings.CutPrefix(tr.Resource.Trigger, "config:"); ok {
			what = "rule " + rule
		}
		return fmt.Sprintf("%s is a workload or account check: %s serves it", what, ResourceChecks.Function())
	case tr.Sweep != nil && s != Secrets:
		return fmt.Sprintf("a sweep reconciles secrets: %s serves %s", Secrets.Function(), Secrets)
	case tr.Request != nil && s != Secrets:
		return fmt.Sprintf("%s (secret %s) is a secret reconcile: %s serves %s", tr.Request.Trigger, tr.Request.SecretID, Secrets.Function(), Secrets)
	}
	return ""
}

// unchanged says what a preview leaves alone, for log lines.
func (s Serves) unchanged() string {
	if s == ResourceChecks {
		return "nothing will be changed (no VPC endpoint created, no workload touched)"
	}
	return "no secret will be changed"
}
