package baseline

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// accountWaiverKey is "<account>" or "<account>:<region>".
var accountWaiverKey = lazy(`^` + accountRE + `(?::` + regionRE + `)?$`)

// accountWaivers checks waivers.accounts: known keys, resource check IDs
// and "<YYYY-MM-DD> <reason>" values. Whether a waiver has expired or is
// too far ahead is decided when it is used, as for waiver tags.
func (v *validator) accountWaivers(m map[string]map[string]string) {
	for _, key := range sortedKeys(m) {
		p := mapPath("waivers.accounts", key)
		if !accountWaiverKey.MatchString(key) {
			v.add(p, "key must be a 12-digit account ID, or <account ID>:<Region>")
		}
		for _, id := range sortedKeys(m[key]) {
			cp := mapPath(p, id)
			if !IsResourceCheck(id) {
				v.add(cp, "%q is not a workload or account check (known: %s); secrets are waived by tag", id, strings.Join(ResourceCheckIDs, ", "))
				continue
			}
			val := strings.TrimSpace(m[key][id])
			date, reason, _ := strings.Cut(val, " ")
			if _, err := time.Parse(time.DateOnly, date); err != nil || strings.TrimSpace(reason) == "" {
				v.add(cp, "must be \"YYYY-MM-DD reason\", got %q", m[key][id])
			}
		}
	}
}

// plaintext checks the allow-list of the no-plaintext-* checks.
func (v *validator) plaintext(p Plaintext) {
	seen := map[PlaintextAllow]bool{}
	for i, a := range p.Allow {
		path := fmt.Sprintf("plaintext.allow[%d]", i)
		switch {
		case strings.TrimSpace(a.Resource) == "":
			v.add(path+".resource", "must not be empty (a name, ARN or glob with *)")
		case utf8.RuneCountInString(a.Resource) > 2048:
			v.add(path+".resource", "must be at most 2048 characters")
		case a.Resource == "*" && a.Variable == "*":
			v.add(path, "resource and variable are both \"*\": that turns the no-plaintext checks off; set their mode instead")
		}
		switch {
		case strings.TrimSpace(a.Variable) == "":
			v.add(path+".variable", "must not be empty")
		case utf8.RuneCountInString(a.Variable) > 512:
			v.add(path+".variable", "must be at most 512 characters")
		}
		if utf8.RuneCountInString(a.Reason) > 256 {
			v.add(path+".reason", "must be at most 256 characters")
		}
		key := PlaintextAllow{Resource: a.Resource, Variable: a.Variable}
		if seen[key] {
			v.add(path, "duplicate entry for resource %q and variable %q", a.Resource, a.Variable)
		}
		seen[key] = true
	}
}
