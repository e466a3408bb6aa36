package checks

import (
	"fmt"
	"sort"
	"strings"
)

// The registries, built once; a duplicate or empty ID panics at start.
// registry holds the secret checks (All), resourceRegistry the workload and
// account checks (AllResource); together they are every Config rule.
var registry = build(
	rotationEnabled{},
	rotationFunction{},
	rotationSchedule{},
	rotationHealthy{},
	rotatedRecently{},
	unused{},
	cmk{},
	noPublicPolicy{},
	replication{},
	requiredTags{},
)

var resourceRegistry = buildResource(
	noPlaintextLambdaEnv{},
	noPlaintextECSEnv{},
	noPlaintextParameters{},
	cloudTrailReadEvents{},
	vpcEndpoint{},
	caching{},
)

func build(cs ...Check) []Check {
	seen := map[string]bool{}
	for _, c := range cs {
		if c.ID() == "" || seen[c.ID()] {
			panic(fmt.Sprintf("checks: empty or duplicate check ID %q", c.ID()))
		}
		seen[c.ID()] = true
	}
	return cs
}

// All returns every check in registry order.
func All() []Check { return append([]Check(nil), registry...) }

// IDs returns every check ID, sorted.
func IDs() []string {
	ids := make([]string, 0, len(registry))
	for _, c := range registry {
		ids = append(ids, c.ID())
	}
	sort.Strings(ids)
	return ids
}

// ByID returns the check with that ID.
func ByID(id string) (Check, bool) {
	for _, c := range registry {
		if c.ID() == id {
			return c, true
		}
	}
	return nil, false
}

// Select returns the checks with the given IDs (all when ids is empty), or
// an error naming an unknown ID.
func Select(ids []string) ([]Check, error) {
	if len(ids) == 0 {
		return All(), nil
	}
	var out []Check
	for _, id := range ids {
		c, ok := ByID(id)
		if !ok {
			return nil, fmt.Errorf("unknown check %q (known: %s)", id, strings.Join(IDs(), ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

// NeedsOf merges what a set of checks needs.
func NeedsOf(cs []Check) Needs {
	var n Needs
	for _, c := range cs {
		m := c.Needs()
		n.Policy = n.Policy || m.Policy
		n.Replicas = n.Replicas || m.Replicas
	}
	return n
}
