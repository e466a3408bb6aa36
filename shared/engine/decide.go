package engine

import (
	"fmt"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
)

// Decision is what the engine does about one finding.
type Decision string

// Decisions.
const (
	DecideNothing   Decision = "nothing"   // compliant or not applicable
	DecideWaived    Decision = "waived"    // a valid waiver tag
	DecideReport    Decision = "report"    // mode report: the verdict only
	DecideTicket    Decision = "ticket"    // a person fixes it
	DecideRemediate Decision = "remediate" // the remedy fixes it
)

// Facts are what Decide decides from.
type Facts struct {
	Compliance checks.Compliance
	// Waived is set when a valid waiver made the check not applicable.
	Waived bool
	// Mode is the check's mode in the baseline (report, ticket, remediate).
	Mode string
	// Remedy is the remedy the finding names, "" when only a person can
	// fix it; RemedyKnown says whether the registry has it.
	Remedy      string
	RemedyKnown bool
	// Changes is how many changes this invocation made so far; Cap is
	// the most it may make (Baseline.MaxChangesPerInvocation; <= 0: no cap).
	Changes, Cap int
}

// Decide is the mode, waiver and cap decision for one finding, with the
// reason a person reads (empty when nothing is done).
func Decide(f Facts) (Decision, string) {
	switch {
	case f.Waived:
		return DecideWaived, "a valid waiver tag exempts this secret from the check"
	case f.Compliance != checks.NonCompliant:
		return DecideNothing, ""
	}
	switch f.Mode {
	case baseline.ModeRemediate:
	case baseline.ModeTicket:
		return DecideTicket, "The check's mode is ticket: secretguard reports and does not change the secret."
	default:
		return DecideReport, "The check's mode is report: secretguard records the verdict only."
	}
	switch {
	case f.Remedy == "" || !f.RemedyKnown:
		return DecideTicket, "No remedy can fix this finding safely: a person must."
	case f.Cap > 0 && f.Changes >= f.Cap:
		return DecideTicket, fmt.Sprintf("This invocation reached its cap of %d changes (maxChangesPerInvocation); the next one will remediate.", f.Cap)
	}
	return DecideRemediate, ""
}
