package remedies

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

// This file mirrors how resourcepolicy.Classify reads principals and
// restricting conditions (see its package doc), so that Tighten changes
// exactly the values that make a statement fail, and nothing Classify
// ignores.

type condKind int

const (
	condAccount condKind = iota // value is an account ID
	condARN                     // value is an ARN; its account field counts
	condOrg                     // value is an organisation ID
	condOrgPath                 // value is an organisation path o-xxx/r-xxx/...
)

type condKey struct {
	kind   condKind
	source bool // an aws:Source* key: the ones that bound a service principal
}

// restrictingKeys are the lower-cased condition keys Classify reads for
// accounts and organisations (network keys never make a statement fail).
var restrictingKeys = map[string]condKey{
	"aws:principalorgid":    {condOrg, false},
	"aws:principalorgpaths": {condOrgPath, false},
	"aws:sourceorgid":       {condOrg, true},
	"aws:sourceorgpaths":    {condOrgPath, true},
	"aws:principalaccount":  {condAccount, false},
	"aws:sourceaccount":     {condAccount, true},
	"aws:sourceowner":       {condAccount, true},
	"aws:principalarn":      {condARN, false},
	"aws:sourcearn":         {condARN, true},
}

// positiveOperators are the operators under which Classify reads a
// condition as restricting (optionally prefixed "ForAnyValue:").
var positiveOperators = map[string]bool{
	"StringEquals": true, "StringEqualsIgnoreCase": true, "StringLike": true, "ArnEquals": true, "ArnLike": true,
}

// restricting is one condition Classify counts: every value pins a fact.
type restricting struct {
	op, key string
	kind    condKind
	source  bool
	facts   []string // the account or organisation each value pins
}

func (r restricting) isAccount() bool { return r.kind == condAccount || r.kind == condARN }

// restrictingConditions lists a statement's restricting conditions in a
// fixed order.
func restrictingConditions(c resourcepolicy.Conditions) []restricting {
	var out []restricting
	for _, op := range sortedOps(c) {
		base := strings.TrimPrefix(op, "ForAnyValue:")
		if !positiveOperators[base] {
			continue
		}
		arnOp := strings.HasPrefix(base, "Arn")
		keys := c[op]
		for _, key := range slices.Sorted(maps.Keys(keys)) {
			info, ok := restrictingKeys[strings.ToLower(key)]
			if !ok {
				continue
			}
			facts, ok := fixedFacts(info.kind, arnOp, keys[key])
			if !ok {
				continue
			}
			out = append(out, restricting{op: op, key: key, kind: info.kind, source: info.source, facts: facts})
		}
	}
	return out
}

// fixedFacts reduces each value to the account or organisation it pins;
// ok is false when any value leaves it open (values are ORed) or there are
// none.
func fixedFacts(kind condKind, arnOp bool, values []string) ([]string, bool) {
	if len(values) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		var f string
		switch kind {
		case condAccount, condOrg:
			f = v
		case condOrgPath:
			f, _, _ = strings.Cut(v, "/")
		case condARN:
			acct, ok := conditionARNAccount(v, arnOp)
			if !ok {
				return nil, false
			}
			f = acct
		}
		if f == "" || hasWildcard(f) {
			return nil, false
		}
		out = append(out, f)
	}
	return out, true
}

// conditionARNAccount returns the fixed account field of an ARN pattern:
// Arn* operators match field by field, String* ones the whole string.
func conditionARNAccount(v string, arnOp bool) (string, bool) {
	parts := strings.SplitN(v, ":", 6)
	if len(parts) < 5 {
		return "", false
	}
	if !arnOp && (parts[0] != "arn" || hasWildcard(strings.Join(parts[:4], ":"))) {
		return "", false
	}
	if !isAccountID(parts[4]) {
		return "", false
	}
	return parts[4], true
}

// relevantConditions returns the restricting conditions Classify uses for
// a statement's principals: for a wildcard, its account conditions if any,
// else its organisation ones; for a service principal, its aws:Source*
// account conditions if any, else its aws:Source* organisation ones.
func relevantConditions(st resourcepolicy.Statement) []restricting {
	all := restrictingConditions(st.Condition)
	p := st.Principal
	if p == nil {
		return nil
	}
	wild, service := p.Wildcard, false
	for _, a := range p.AWS {
		if _, w, _ := principalAccount(a); w {
			wild = true
		}
	}
	for _, l := range [][]string{p.Federated, p.CanonicalUser} {
		wild = wild || slices.ContainsFunc(l, hasWildcard)
	}
	for _, s := range p.Service {
		if hasWildcard(s) {
			wild = true
		} else {
			service = true
		}
	}
	pick := func(onlySource bool) []restricting {
		var acct, org []restricting
		for _, r := range all {
			switch {
			case onlySource && !r.source:
			case r.isAccount():
				acct = append(acct, r)
			default:
				org = append(org, r)
			}
		}
		if len(acct) > 0 {
			return acct
		}
		return org
	}
	var out []restricting
	if wild {
		out = append(out, pick(false)...)
	}
	if service {
		for _, r := range pick(true) {
			if !slices.ContainsFunc(out, func(o restricting) bool { return o.op == r.op && o.key == r.key }) {
				out = append(out, r)
			}
		}
	}
	return out
}

// pruneConditions removes, from the conditions Classify uses, the values
// naming disallowed accounts or organisations. It describes what it did
// ("" for nothing) and reports dead when a condition lost all its values.
func pruneConditions(st *resourcepolicy.Statement, ctx resourcepolicy.Context) (desc string, dead bool) {
	var notes []string
	for _, r := range relevantConditions(*st) {
		values := st.Condition[r.op][r.key]
		var keep, removed []string
		for i, v := range values {
			if factAllowed(r, r.facts[i], ctx) {
				keep = append(keep, v)
			} else {
				removed = append(removed, v)
			}
		}
		if len(removed) == 0 {
			continue
		}
		notes = append(notes, fmt.Sprintf("%s %s no longer lists %s", r.op, r.key, strings.Join(removed, ", ")))
		if len(keep) == 0 {
			return strings.Join(notes, "; ") + " (no value left)", true
		}
		st.Condition[r.op][r.key] = keep
	}
	return strings.Join(notes, "; "), false
}

// factAllowed reports whether an account or organisation a condition
// value pins is one the baseline allows.
func factAllowed(r restricting, fact string, ctx resourcepolicy.Context) bool {
	if r.isAccount() {
		return accountAllowed(fact, ctx)
	}
	return ctx.OrganizationID != "" && strings.EqualFold(fact, ctx.OrganizationID)
}

// principalAccount classifies an AWS principal value as Classify does: an
// account ID, an ARN with a fixed account field, or a wildcard pattern;
// ok is false for a value that names no account.
func principalAccount(v string) (account string, wildcard, ok bool) {
	if isAccountID(v) {
		return v, false, true
	}
	if parts := strings.SplitN(v, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		switch {
		case hasWildcard(parts[4]):
			return "", true, true
		case isAccountID(parts[4]):
			return parts[4], false, true
		}
		return "", false, false
	}
	if hasWildcard(v) {
		return "", true, true
	}
	return "", false, false
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
