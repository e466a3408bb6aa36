package remedies

import (
	"fmt"
	"strings"

	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

// pruneConditions removes, from the restrictions Classify bounds the
// statement's principals with (resourcepolicy.PrincipalRestrictions), the
// values naming disallowed accounts or organisations. It describes what it
// did ("" for nothing) and reports dead when a condition lost all its
// values.
func pruneConditions(st *resourcepolicy.Statement, ctx resourcepolicy.Context) (desc string, dead bool) {
	var notes []string
	for _, r := range resourcepolicy.PrincipalRestrictions(*st) {
		values := st.Condition[r.Operator][r.Key]
		var keep, removed []string
		for i, v := range values {
			if factAllowed(r, r.Facts[i], ctx) {
				keep = append(keep, v)
			} else {
				removed = append(removed, v)
			}
		}
		if len(removed) == 0 {
			continue
		}
		notes = append(notes, fmt.Sprintf("%s %s no longer lists %s", r.Operator, r.Key, strings.Join(removed, ", ")))
		if len(keep) == 0 {
			return strings.Join(notes, "; ") + " (no value left)", true
		}
		st.Condition[r.Operator][r.Key] = keep
	}
	return strings.Join(notes, "; "), false
}

// factAllowed reports whether an account or organisation a condition
// value pins is one the baseline allows.
func factAllowed(r resourcepolicy.Restriction, fact string, ctx resourcepolicy.Context) bool {
	if r.Kind == resourcepolicy.AccountFact {
		return ctx.AllowsAccount(fact)
	}
	return ctx.OwnOrganization(fact)
}
