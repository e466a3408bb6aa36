package remedies

import (
	"fmt"
	"maps"
	"slices"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/secret"
)

// StateOf summarises a secret's configuration for Plan.Before/After and the
// events: rotation, key, tags, resource policy and replica Regions. It never
// holds a value (a Snapshot has none). The resource policy is included only
// when it was read (PolicyKnown).
func StateOf(s *secret.Snapshot) outcome.State {
	if s == nil {
		return outcome.State{}
	}
	st := outcome.State{
		RotationEnabled:   s.RotationEnabled,
		RotationLambdaARN: s.RotationLambdaARN,
		RotationSchedule:  scheduleText(s.RotationRules),
		KMSKeyID:          s.KMSKeyID,
	}
	if len(s.Tags) > 0 {
		st.Tags = maps.Clone(s.Tags)
	}
	if s.PolicyKnown {
		st.ResourcePolicy = s.ResourcePolicy
	}
	for _, r := range s.Replicas {
		st.Replicas = append(st.Replicas, r.Region)
	}
	slices.Sort(st.Replicas)
	return st
}

// scheduleText renders rotation rules: the ScheduleExpression, else
// "every N days", with the window when Duration is set; "" for none.
func scheduleText(r secret.RotationRules) string {
	var s string
	switch {
	case r.ScheduleExpression != "":
		s = r.ScheduleExpression
	case r.AutomaticallyAfterDays > 0:
		s = fmt.Sprintf("every %d days", r.AutomaticallyAfterDays)
	default:
		return ""
	}
	if r.Duration != "" {
		s += " (window " + r.Duration + ")"
	}
	return s
}

// clone returns a deep copy of a Snapshot, for computing after-states.
func clone(s *secret.Snapshot) *secret.Snapshot {
	c := *s
	c.Tags = maps.Clone(s.Tags)
	if s.VersionStages != nil {
		c.VersionStages = make(map[string][]string, len(s.VersionStages))
		for k, v := range s.VersionStages {
			c.VersionStages[k] = slices.Clone(v)
		}
	}
	c.Replicas = slices.Clone(s.Replicas)
	return &c
}
