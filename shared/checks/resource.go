package checks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/credscan"
	"github.com/secretguard/secretguard/shared/workload"
)

// ResourceInput is what a resource check evaluates.
type ResourceInput struct {
	Resource *workload.Resource
	Baseline *baseline.Baseline
	Now      time.Time
}

// ResourceCheck is one workload or account check: the same contract as a
// Check (a stable ID, a doc line, a pure Evaluate returning a Finding with
// an annotation of at most 256 bytes, modes and waivers from the
// baseline), on a workload.Resource instead of a secret.
type ResourceCheck interface {
	// ID is the stable check ID; the Config rule is secretguard-<ID>.
	ID() string
	// Doc is one line for people: what compliant means.
	Doc() string
	// ResourceType is the AWS Config resource type the check evaluates
	// (workload.TypeFunction, TypeTaskDefinition or TypeAccount; an
	// AWS::::Account rule is periodic only).
	ResourceType() string
	// Needs says which account data the check reads (account checks only).
	Needs() workload.AccountNeeds
	// IAMActions lists the IAM actions observing for this check needs.
	IAMActions() []string
	// Evaluate is a pure function of its input.
	Evaluate(in ResourceInput) Finding
	// Fix is the recipe a ticket carries for a NON_COMPLIANT finding: the
	// exact steps, never a value.
	Fix(r *workload.Resource) string
}

// EvaluateResource runs one resource check with what every check shares: a
// resource that vanished is NOT_APPLICABLE, and a valid waiver makes the
// check NOT_APPLICABLE with its reason. Functions and task definitions are
// waived by their waiver tag (as secrets are), any resource by the
// baseline's waivers.accounts entry for its account (and Region); the tag
// wins when both are present.
func EvaluateResource(c ResourceCheck, r *workload.Resource, b *baseline.Baseline, now time.Time) Finding {
	id := c.ID()
	if r.Gone {
		return finding(id, NotApplicable, "", "Deleted while being observed; nothing to evaluate.")
	}
	if r.Type != c.ResourceType() {
		return finding(id, NotApplicable, "", "This check evaluates %s, not %s.", c.ResourceType(), r.Type)
	}
	w := ParseWaiver(b, r.Tags, id, now)
	if !w.Present {
		if v, key, ok := b.AccountWaiver(r.AccountID, r.Region, id); ok {
			w = parseWaiverValue(b, key, v, now)
		}
	}
	return applyWaiver(id, w, func() Finding { return c.Evaluate(ResourceInput{Resource: r, Baseline: b, Now: now}) })
}

func buildResource(cs ...ResourceCheck) []ResourceCheck {
	seen := map[string]bool{}
	for _, c := range registry {
		seen[c.ID()] = true
	}
	for _, c := range cs {
		if c.ID() == "" || seen[c.ID()] {
			panic(fmt.Sprintf("checks: empty or duplicate check ID %q", c.ID()))
		}
		seen[c.ID()] = true
	}
	return cs
}

// AllResource returns every workload and account check in registry order.
func AllResource() []ResourceCheck { return slices.Clone(resourceRegistry) }

// ResourceIDs returns every resource check ID, sorted.
func ResourceIDs() []string {
	ids := make([]string, 0, len(resourceRegistry))
	for _, c := range resourceRegistry {
		ids = append(ids, c.ID())
	}
	slices.Sort(ids)
	return ids
}

// AllIDs returns every check ID of both registries, sorted.
func AllIDs() []string {
	ids := append(IDs(), ResourceIDs()...)
	slices.Sort(ids)
	return ids
}

// ResourceByID returns the resource check with that ID.
func ResourceByID(id string) (ResourceCheck, bool) {
	for _, c := range resourceRegistry {
		if c.ID() == id {
			return c, true
		}
	}
	return nil, false
}

// SelectAny splits check IDs between the two registries (every check of
// both when ids is empty), or returns an error naming an unknown ID.
func SelectAny(ids []string) ([]Check, []ResourceCheck, error) {
	if len(ids) == 0 {
		return All(), AllResource(), nil
	}
	var cs []Check
	var rs []ResourceCheck
	for _, id := range ids {
		if c, ok := ByID(id); ok {
			cs = append(cs, c)
			continue
		}
		if c, ok := ResourceByID(id); ok {
			rs = append(rs, c)
			continue
		}
		return nil, nil, fmt.Errorf("unknown check %q (known: %s)", id, strings.Join(AllIDs(), ", "))
	}
	return cs, rs, nil
}

// AccountNeedsOf merges what a set of resource checks needs.
func AccountNeedsOf(cs []ResourceCheck) workload.AccountNeeds {
	var n workload.AccountNeeds
	for _, c := range cs {
		n = n.Merge(c.Needs())
	}
	return n
}

// plaintextAllowed returns the allow-list test of the no-plaintext checks
// for a resource known by any of names: a variable is allowed when an
// entry's resource glob matches one of the names and its variable glob
// matches one of the variable's spellings.
func plaintextAllowed(b *baseline.Baseline, names ...string) func(variables ...string) bool {
	var entries []baseline.PlaintextAllow
	for _, a := range b.Plaintext.Allow {
		for _, n := range names {
			if n != "" && credscan.Match(a.Resource, n) {
				entries = append(entries, a)
				break
			}
		}
	}
	return func(variables ...string) bool {
		for _, a := range entries {
			for _, v := range variables {
				if credscan.Match(a.Variable, v) {
					return true
				}
			}
		}
		return false
	}
}

// plural returns "1 variable" or "3 variables" ("entries" for "entry").
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") {
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
