package configrule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
)

// Rule parameter keys. Config passes parameters as a JSON object of
// strings (InputParameters); numbers are accepted too.
const (
	ParamCheck               = "check"
	ParamMaxRotationDays     = "maxRotationDays"
	ParamUnusedDays          = "unusedDays"
	ParamRotatedRecentlyDays = "rotatedRecentlyDays"
	ParamRequiredTags        = "requiredTags"
)

var knownParams = []string{ParamCheck, ParamMaxRotationDays, ParamUnusedDays, ParamRotatedRecentlyDays, ParamRequiredTags}

// Bounds of the day overrides. Secrets Manager rotates at most every 1000
// days (AutomaticallyAfterDays); ten years bounds the others.
const (
	maxRotationDaysLimit = 1000
	maxDaysLimit         = 3650
	maxTagKeyLen         = 128
)

// Params are a rule's parameters: the check it runs and optional baseline
// overrides for that rule alone.
type Params struct {
	Check string
	// Overrides; nil or empty when the parameter is absent.
	MaxRotationDays     *int
	UnusedDays          *int
	RotatedRecentlyDays *int
	RequiredTags        []string
}

// ParseParams parses a rule's ruleParameters string. check is required and
// must be a registered check; an unknown key is an error naming it.
func ParseParams(s string) (Params, error) {
	var p Params
	raw := map[string]json.RawMessage{}
	if strings.TrimSpace(s) != "" {
		dec := json.NewDecoder(strings.NewReader(s))
		if err := dec.Decode(&raw); err != nil {
			return p, fmt.Errorf("ruleParameters is not a JSON object: %v", err)
		}
		if dec.More() {
			return p, errors.New("ruleParameters has data after the JSON object")
		}
	}
	var unknown []string
	for k := range raw {
		if !contains(knownParams, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return p, fmt.Errorf("unknown rule parameter %q (known: %s)", unknown[0], strings.Join(knownParams, ", "))
	}
	check, ok, err := stringParam(raw, ParamCheck)
	switch {
	case err != nil:
		return p, err
	case !ok || check == "":
		return p, fmt.Errorf("rule parameter %q is missing: name the check, e.g. {\"check\":\"rotation-schedule\"} (known: %s)", ParamCheck, strings.Join(checks.AllIDs(), ", "))
	}
	_, known := checks.ByID(check)
	if _, resource := checks.ResourceByID(check); !known && !resource {
		return p, fmt.Errorf("rule parameter %q: unknown check %q (known: %s)", ParamCheck, check, strings.Join(checks.AllIDs(), ", "))
	}
	p.Check = check
	if p.MaxRotationDays, err = daysParam(raw, ParamMaxRotationDays, maxRotationDaysLimit); err != nil {
		return p, err
	}
	if p.UnusedDays, err = daysParam(raw, ParamUnusedDays, maxDaysLimit); err != nil {
		return p, err
	}
	if p.RotatedRecentlyDays, err = daysParam(raw, ParamRotatedRecentlyDays, maxDaysLimit); err != nil {
		return p, err
	}
	if p.RequiredTags, err = tagsParam(raw, ParamRequiredTags); err != nil {
		return p, err
	}
	return p, nil
}

// stringParam reads a parameter that is a JSON string or number.
func stringParam(raw map[string]json.RawMessage, key string) (string, bool, error) {
	v, ok := raw[key]
	if !ok {
		return "", false, nil
	}
	v = bytes.TrimSpace(v)
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return strings.TrimSpace(s), true, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), true, nil
	}
	return "", true, fmt.Errorf("rule parameter %q must be a string, got %s", key, v)
}

func daysParam(raw map[string]json.RawMessage, key string, limit int) (*int, error) {
	s, ok, err := stringParam(raw, key)
	if err != nil || !ok {
		return nil, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > limit {
		return nil, fmt.Errorf("rule parameter %q: %q is not a whole number of days from 1 to %d", key, s, limit)
	}
	return &n, nil
}

func tagsParam(raw map[string]json.RawMessage, key string) ([]string, error) {
	s, ok, err := stringParam(raw, key)
	if err != nil || !ok {
		return nil, err
	}
	var keys []string
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		switch {
		case k == "":
			return nil, fmt.Errorf("rule parameter %q: %q has an empty tag key (want comma-separated keys such as \"owner,environment\")", key, s)
		case len(k) > maxTagKeyLen:
			return nil, fmt.Errorf("rule parameter %q: tag key %q is longer than %d characters", key, k, maxTagKeyLen)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, fmt.Errorf("rule parameter %q: tag key %q uses the reserved aws: prefix", key, k)
		}
		if !contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// HasOverrides reports whether the parameters change the baseline.
func (p Params) HasOverrides() bool {
	return p.MaxRotationDays != nil || p.UnusedDays != nil || p.RotatedRecentlyDays != nil || p.RequiredTags != nil
}

// Apply returns the baseline this rule evaluates against: b itself when
// there are no overrides, else a copy with the overrides applied. b is
// never changed: what an override changes (the classes, the required tags)
// is copied first. maxRotationDays caps every class's maxRotationDays
// (a class already stricter keeps its value); requiredTags replaces the
// list, keeping the baseline's allowed values and default for a key it
// already names.
func (p Params) Apply(b *baseline.Baseline) (*baseline.Baseline, error) {
	if b == nil {
		return nil, errors.New("configrule: no baseline")
	}
	if !p.HasOverrides() {
		return b, nil
	}
	c := *b // Classes, RequiredTags and the maps are still shared here
	if p.MaxRotationDays != nil {
		c.Classes = make([]baseline.Class, len(b.Classes))
		copy(c.Classes, b.Classes) // same order: class lookups by index stay valid
		for i := range c.Classes {
			if c.Classes[i].MaxRotationDays == 0 || c.Classes[i].MaxRotationDays > *p.MaxRotationDays {
				c.Classes[i].MaxRotationDays = *p.MaxRotationDays
			}
		}
	}
	if p.UnusedDays != nil {
		c.Unused.Days = *p.UnusedDays
	}
	if p.RotatedRecentlyDays != nil {
		c.Rotated.Days = *p.RotatedRecentlyDays
	}
	if p.RequiredTags != nil {
		c.RequiredTags = make([]baseline.TagRule, 0, len(p.RequiredTags))
		for _, k := range p.RequiredTags {
			rule := baseline.TagRule{Key: k}
			for _, r := range b.RequiredTags {
				if r.Key == k {
					rule = r
					rule.AllowedValues = append([]string(nil), r.AllowedValues...)
				}
			}
			c.RequiredTags = append(c.RequiredTags, rule)
		}
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("rule parameters make an invalid baseline: %w", err)
	}
	return &c, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
