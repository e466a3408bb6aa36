package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
)

// requiredTags: every tag the baseline requires is present with an allowed
// value.
type requiredTags struct{}

func (requiredTags) ID() string { return baseline.CheckRequiredTags }
func (requiredTags) Doc() string {
	return "Every tag the baseline requires is present, non-empty and, where values are listed, has an allowed value."
}
func (requiredTags) Needs() Needs { return Needs{} }

// AppliesToReplicas is false: replicas carry the primary's tags.
func (requiredTags) AppliesToReplicas() bool { return false }

func (r requiredTags) Evaluate(in Input) Finding {
	s, id := in.Secret, r.ID()
	rules := in.Baseline.RequiredTags
	if len(rules) == 0 {
		return finding(id, Compliant, "", "The baseline requires no tags.")
	}
	var missing, invalid, keys []string
	for _, t := range rules {
		keys = append(keys, t.Key)
		v, ok := s.Tags[t.Key]
		switch {
		case !ok || strings.TrimSpace(v) == "":
			missing = append(missing, t.Key)
		case len(t.AllowedValues) > 0 && !slices.Contains(t.AllowedValues, v):
			invalid = append(invalid, fmt.Sprintf("%s=%q (allowed: %s)", t.Key, clip(v, 20), brief(t.AllowedValues, 4)))
		}
	}
	switch {
	case len(missing) > 0:
		msg := fmt.Sprintf("Missing required tags: %s; add them.", brief(missing, 6))
		if len(invalid) > 0 {
			msg += fmt.Sprintf(" Also not allowed: %s.", brief(invalid, 1))
		}
		return finding(id, NonCompliant, baseline.RemedyAddTags, "%s", msg)
	case len(invalid) > 0:
		// No remedy: secretguard adds missing tags but never overwrites a value.
		return finding(id, NonCompliant, "", "Tag values not allowed, correct them: %s.", brief(invalid, 2))
	}
	return finding(id, Compliant, "", "Required tags present: %s.", brief(keys, 8))
}
