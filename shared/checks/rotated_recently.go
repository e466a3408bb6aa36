package checks

import (
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
)

// rotatedRecently: the value changed by rotation (or creation) within the
// baseline's rotatedRecently.days.
type rotatedRecently struct{}

func (rotatedRecently) ID() string { return baseline.CheckRotatedRecently }
func (rotatedRecently) Doc() string {
	return "The secret was rotated (or created) within the baseline's rotatedRecently.days."
}
func (rotatedRecently) Needs() Needs { return Needs{} }

// AppliesToReplicas is false: replicas follow the primary's rotations.
func (rotatedRecently) AppliesToReplicas() bool { return false }

func (r rotatedRecently) Evaluate(in Input) Finding {
	s, id := in.Secret, r.ID()
	n := in.Baseline.Rotated.Days
	if n <= 0 {
		return finding(id, NotApplicable, "", "The baseline sets no rotatedRecently.days.")
	}
	last, rotated := lastRotation(s)
	if last.IsZero() {
		return finding(id, NotApplicable, "", "Neither the last rotation nor the creation date is known.")
	}
	what := "Last rotated"
	if !rotated {
		what = "Never rotated; created"
	}
	age := in.Now.Sub(last)
	if age <= time.Duration(n)*day {
		return finding(id, Compliant, "", "%s %s, within %d days.", what, date(last), n)
	}
	ago := int(age / day)
	switch {
	case s.OwningService != "":
		return finding(id, NonCompliant, "", "%s %s (%d days ago, limit %d): rotate it through %s.", what, date(last), ago, n, s.OwningService)
	case !s.RotationEnabled:
		return finding(id, NonCompliant, baseline.RemedyEnableRotation, "%s %s (%d days ago, limit %d) and rotation is off: enable rotation.", what, date(last), ago, n)
	}
	return finding(id, NonCompliant, "", "%s %s (%d days ago, limit %d) although rotation is on: see %s and %s.",
		what, date(last), ago, n, baseline.CheckRotationHealthy, baseline.CheckRotationSchedule)
}
