package checks

import (
	"errors"

	"github.com/secretguard/secretguard/shared/baseline"
)

// rotationSchedule: the rotation schedule never leaves more than the class's
// maximum between two rotations.
type rotationSchedule struct{}

func (rotationSchedule) ID() string { return baseline.CheckRotationSchedule }
func (rotationSchedule) Doc() string {
	return "The rotation schedule never leaves more than the class's maxRotationDays between two rotations."
}
func (rotationSchedule) Needs() Needs { return Needs{} }

// AppliesToReplicas is false: the schedule is set on the primary.
func (rotationSchedule) AppliesToReplicas() bool { return false }

func (r rotationSchedule) Evaluate(in Input) Finding {
	s, id := in.Secret, r.ID()
	switch {
	case !s.RotationEnabled:
		return finding(id, NotApplicable, "", "Rotation is off; see %s.", baseline.CheckRotationEnabled)
	case in.Class == nil:
		return noClass(id)
	case in.Class.MaxRotationDays <= 0:
		return finding(id, Compliant, "", "Class %s sets no maxRotationDays; schedule %s accepted.", className(in.Class), schedule(s.RotationRules))
	}
	// A person fixes the schedule of a service-managed secret through the
	// service; secretguard never changes it.
	remedy, how := baseline.RemedyFixSchedule, "shorten the schedule"
	if s.OwningService != "" {
		remedy, how = "", "shorten it through "+s.OwningService
	}
	limit := fmtInterval(in.Class.MaxRotation())
	d, err := MaxInterval(s.RotationRules)
	var ends *ScheduleEndsError
	switch {
	case errors.As(err, &ends):
		verb := "stops"
		if in.Now.Year() > ends.LastYear {
			verb = "stopped"
		}
		return finding(id, NonCompliant, remedy, "Rotation %s after %d: the year field of %s ends; use * for the year and rotate at least every %s (class %s).",
			verb, ends.LastYear, s.RotationRules.ScheduleExpression, limit, className(in.Class))
	case err != nil:
		// No remedy: AWS accepted the schedule, so replacing it on the
		// strength of our parser would be presumptuous. A person looks.
		return finding(id, NonCompliant, "", "Rotation schedule cannot be read: %v; set a rate() or cron() rotating at least every %s.",
			err, limit)
	case d > in.Class.MaxRotation():
		return finding(id, NonCompliant, remedy, "Schedule %s can leave %s between rotations; class %s allows %s: %s.",
			schedule(s.RotationRules), fmtInterval(d), className(in.Class), limit, how)
	}
	return finding(id, Compliant, "", "Schedule %s: at most %s between rotations; class %s allows %s.", schedule(s.RotationRules), fmtInterval(d), className(in.Class), limit)
}
