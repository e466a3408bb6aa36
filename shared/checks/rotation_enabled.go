package checks

import "github.com/secretguard/secretguard/shared/baseline"

// rotationEnabled: automatic rotation is on.
type rotationEnabled struct{}

func (rotationEnabled) ID() string { return baseline.CheckRotationEnabled }
func (rotationEnabled) Doc() string {
	return "Automatic rotation is enabled (through the owning service for service-managed secrets)."
}
func (rotationEnabled) Needs() Needs { return Needs{} }

// AppliesToReplicas is false: rotation is configured on the primary.
func (rotationEnabled) AppliesToReplicas() bool { return false }

func (r rotationEnabled) Evaluate(in Input) Finding {
	s, id := in.Secret, r.ID()
	if s.RotationEnabled {
		return finding(id, Compliant, "", "Rotation is enabled (%s).", schedule(s.RotationRules))
	}
	if s.OwningService != "" {
		return finding(id, NonCompliant, "", "Rotation is off and the secret is managed by %s: %s; secretguard does not rotate service-managed secrets.",
			s.OwningService, serviceHint(s.OwningService))
	}
	every := ""
	if in.Class != nil && in.Class.MaxRotationDays > 0 {
		every = " at least every " + fmtInterval(in.Class.MaxRotation())
	}
	if in.Class != nil {
		if fn, ok := in.Class.RotationFunctionFor(s.Tags, s.Partition, s.Region, s.AccountID); ok {
			return finding(id, NonCompliant, baseline.RemedyEnableRotation,
				"Rotation is off: enable it%s with %s (class %s).", every, fn, className(in.Class))
		}
	}
	return finding(id, NonCompliant, baseline.RemedyEnableRotation,
		"Rotation is off: enable it%s; the baseline names no rotation function for %s, so add one to the baseline or configure rotation by hand.",
		every, functionKey(in.Class, s.Tags))
}
