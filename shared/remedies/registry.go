package remedies

import (
	"fmt"
	"slices"
	"sort"
)

// registry is built once; an empty or duplicate remedy ID, or two remedies
// claiming one check, panics at start.
var registry = build(
	enableRotation{},
	fixSchedule{},
	addTags{},
	useCMK{},
	tightenPolicy{},
	replicate{},
)

func build(rs ...Remedy) []Remedy {
	ids := map[string]bool{}
	fixers := map[string]string{}
	for _, r := range rs {
		if r.ID() == "" || ids[r.ID()] {
			panic(fmt.Sprintf("remedies: empty or duplicate remedy ID %q", r.ID()))
		}
		ids[r.ID()] = true
		for _, c := range r.Fixes() {
			if other, dup := fixers[c]; dup {
				panic(fmt.Sprintf("remedies: check %q is claimed by %q and %q", c, other, r.ID()))
			}
			fixers[c] = r.ID()
		}
	}
	return rs
}

// All returns every remedy in registry order.
func All() []Remedy { return slices.Clone(registry) }

// IDs returns every remedy ID, sorted.
func IDs() []string {
	ids := make([]string, 0, len(registry))
	for _, r := range registry {
		ids = append(ids, r.ID())
	}
	sort.Strings(ids)
	return ids
}

// ByID returns the remedy with that ID (a baseline.Remedy* constant, as a
// Finding names it).
func ByID(id string) (Remedy, bool) {
	for _, r := range registry {
		if r.ID() == id {
			return r, true
		}
	}
	return nil, false
}

// ForCheck returns the remedy that fixes a check's findings. A finding that
// names no remedy (Finding.Remedy == "") still needs a person, whatever
// ForCheck says: use ByID(f.Remedy) for a finding.
func ForCheck(checkID string) (Remedy, bool) {
	for _, r := range registry {
		if slices.Contains(r.Fixes(), checkID) {
			return r, true
		}
	}
	return nil, false
}

// IAMActions returns the union of every remedy's IAM actions, sorted.
func IAMActions() []string {
	var out []string
	for _, r := range registry {
		out = append(out, r.IAMActions()...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
