package remedies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

// Tighten rewrites the Allow statements of a resource policy that the
// no-public-policy check rejects — Public ones, and CrossAccount ones with
// Disallowed accounts or organisations — and returns the new policy and
// what changed, one line per change (none: the policy is returned
// unchanged, as a copy). Every other statement, and every Deny statement,
// is kept as it is, in order. Tighten never adds a statement that grants
// anything new and never adds a Deny. Steps, per offending statement,
// stopping as soon as the statement passes:
//
//  1. AWS principal values in accounts that are neither the owner's, nor
//     allowed, nor org members are removed, and so are values that name no
//     account (the unique ID left by a deleted role). Break-glass principals
//     (breakGlass, expanded ARNs) are never removed.
//  2. If the statement also names break-glass principals, they are moved to
//     a statement of their own ("<Sid>BreakGlass") with the original
//     actions, resources and conditions, so that what follows cannot take
//     their access away.
//  3. In the restricting conditions Classify reads (account, ARN and
//     organisation keys under positive operators), values naming a
//     disallowed account or a foreign (or, with no organisation known, any)
//     organisation are removed. A condition left with no value matches no
//     request, so the statement, which then grants nothing, is removed.
//  4. A public statement gets StringEquals aws:PrincipalOrgID = the
//     organisation when ctx.OrganizationID is known; otherwise its wildcard
//     principals are removed.
//  5. A statement with no principal left is removed; so is one that still
//     does not pass (a safety net: removing an Allow only narrows access).
//
// An Allow with NotPrincipal grants to everyone but the listed principals;
// Classify rates it Public whatever its conditions, so an organisation
// condition would not make it pass, and turning it into Principal "*" would
// grant the excluded principals too: it is removed.
//
// Every step only narrows: principal and condition values are ORed, so
// fewer of them grant less; an added condition must also hold; a removed
// Allow grants nothing. Same-account access does not need the resource
// policy (identity policies suffice), so removing Allows never locks the
// owner out. A statement that only names break-glass principals is never
// changed, even if it still fails the check (the caller tickets that).
func Tighten(p *resourcepolicy.Policy, ctx resourcepolicy.Context, breakGlass ...string) (*resourcepolicy.Policy, []string) {
	if p == nil {
		return nil, nil
	}
	out := &resourcepolicy.Policy{Version: p.Version, ID: p.ID}
	var changes []string
	bg := map[string]bool{}
	for _, r := range breakGlass {
		if r != "" {
			bg[r] = true
		}
	}
	for i, st := range p.Statements {
		kept, ch := tightenStatement(i, copyStatement(st), ctx, bg)
		out.Statements = append(out.Statements, kept...)
		changes = append(changes, ch...)
	}
	return out, changes
}

// passes reports whether a statement passes the no-public-policy check.
func passes(st resourcepolicy.Statement, ctx resourcepolicy.Context) bool {
	vs := resourcepolicy.Classify(&resourcepolicy.Policy{Statements: []resourcepolicy.Statement{st}}, ctx)
	return len(vs) == 0 || (vs[0].Exposure != resourcepolicy.Public && len(vs[0].Disallowed) == 0)
}

func tightenStatement(i int, st resourcepolicy.Statement, ctx resourcepolicy.Context, bg map[string]bool) ([]resourcepolicy.Statement, []string) {
	name := "statement " + stmtName(st, i)
	if st.Effect == "Deny" || passes(st, ctx) {
		return []resourcepolicy.Statement{st}, nil
	}
	if st.NotPrincipal != nil {
		return nil, []string{fmt.Sprintf("removed %s: an Allow with NotPrincipal grants everyone but the listed principals", name)}
	}
	var changes []string
	// 1. principal values from disallowed accounts or naming no account.
	if st.Principal != nil {
		var keep, removed []string
		for _, a := range st.Principal.AWS {
			if bg[a] || !disallowedPrincipal(a, ctx) {
				keep = append(keep, a)
			} else {
				removed = append(removed, a)
			}
		}
		if len(removed) > 0 {
			st.Principal.AWS = keep
			if principalEmpty(st.Principal) {
				return nil, []string{fmt.Sprintf("removed %s: it named only principals the baseline does not allow (%s)", name, strings.Join(removed, ", "))}
			}
			changes = append(changes, fmt.Sprintf("removed from %s the principals %s (accounts the baseline does not allow)", name, strings.Join(removed, ", ")))
		}
	}
	if passes(st, ctx) {
		return []resourcepolicy.Statement{st}, changes
	}
	// 2. move break-glass principals out of harm's way.
	var out []resourcepolicy.Statement
	if names := breakGlassIn(st, bg); len(names) > 0 {
		rest := copyStatement(st)
		rest.Principal.AWS = nilIfEmpty(slices.DeleteFunc(rest.Principal.AWS, func(a string) bool { return bg[a] }))
		if principalEmpty(rest.Principal) || passes(rest, ctx) {
			// Only break-glass principals keep it failing, or nothing is
			// left to tighten: leave it for a person.
			return []resourcepolicy.Statement{st}, changes
		}
		keep := copyStatement(st)
		keep.Principal = &resourcepolicy.Principal{AWS: names}
		if keep.Sid != "" {
			keep.Sid += "BreakGlass"
		}
		out = append(out, keep)
		changes = append(changes, fmt.Sprintf("moved break-glass principals %s of %s to a statement of their own, unchanged", strings.Join(names, ", "), name))
		st = rest
	}
	// 3. condition values naming disallowed accounts or organisations.
	if ch, dead := pruneConditions(&st, ctx); ch != "" {
		if dead {
			return out, append(changes, fmt.Sprintf("removed %s: %s, so it granted only to accounts or organisations the baseline does not allow", name, ch))
		}
		changes = append(changes, fmt.Sprintf("narrowed %s: %s", name, ch))
	}
	// 4. public: restrict to the organisation, or drop the wildcard.
	if vs := resourcepolicy.Classify(&resourcepolicy.Policy{Statements: []resourcepolicy.Statement{st}}, ctx); len(vs) > 0 && vs[0].Exposure == resourcepolicy.Public {
		if org := ctx.OrganizationID; org != "" {
			if !addOrgCondition(&st, org) {
				return out, append(changes, fmt.Sprintf("removed %s: it was public and its aws:PrincipalOrgID condition excludes organisation %s", name, org))
			}
			changes = append(changes, fmt.Sprintf("restricted %s to organisation %s (StringEquals aws:PrincipalOrgID)", name, org))
		} else {
			dropWildcards(st.Principal)
			changes = append(changes, fmt.Sprintf("removed the wildcard principal from %s: it was public and the baseline names no organisation", name))
		}
	}
	// 5. nothing left, or still failing: remove.
	switch {
	case principalEmpty(st.Principal):
		return out, append(changes, fmt.Sprintf("removed %s: no principal remains", name))
	case !passes(st, ctx):
		return out, append(changes, fmt.Sprintf("removed %s: it could not be narrowed to what the baseline allows", name))
	}
	return append(out, st), changes
}

// disallowedPrincipal reports whether an AWS principal value names an
// account the baseline does not allow, or no account at all. Wildcards are
// not disallowed here (step 4 handles them).
func disallowedPrincipal(v string, ctx resourcepolicy.Context) bool {
	acct, wild, ok := resourcepolicy.PrincipalAccount(v)
	switch {
	case wild:
		return false
	case !ok:
		return true
	}
	return !ctx.AllowsAccount(acct)
}

// breakGlassIn returns the break-glass principals a statement names.
func breakGlassIn(st resourcepolicy.Statement, bg map[string]bool) []string {
	if st.Principal == nil {
		return nil
	}
	var out []string
	for _, a := range st.Principal.AWS {
		if bg[a] {
			out = append(out, a)
		}
	}
	return out
}

// addOrgCondition adds StringEquals aws:PrincipalOrgID = org. A
// StringEquals aws:PrincipalOrgID already there (which did not restrict, or
// the statement would not be public) must hold too, so the two combine to
// [org] when it lists org, and to nothing otherwise: then it returns false
// and the statement, which grants nothing, is to be removed.
func addOrgCondition(st *resourcepolicy.Statement, org string) bool {
	if st.Condition == nil {
		st.Condition = resourcepolicy.Conditions{}
	}
	m := st.Condition["StringEquals"]
	if m == nil {
		m = map[string][]string{}
		st.Condition["StringEquals"] = m
	}
	for k, vals := range m {
		if strings.EqualFold(k, "aws:PrincipalOrgID") {
			if !slices.Contains(vals, org) {
				return false
			}
			m[k] = []string{org}
			return true
		}
	}
	m["aws:PrincipalOrgID"] = []string{org}
	return true
}

// dropWildcards removes every wildcard principal value.
func dropWildcards(p *resourcepolicy.Principal) {
	if p == nil {
		return
	}
	p.Wildcard = false
	p.AWS = nilIfEmpty(slices.DeleteFunc(p.AWS, func(a string) bool { _, wild, _ := resourcepolicy.PrincipalAccount(a); return wild }))
	p.Service = nilIfEmpty(slices.DeleteFunc(p.Service, resourcepolicy.HasWildcard))
	p.Federated = nilIfEmpty(slices.DeleteFunc(p.Federated, resourcepolicy.HasWildcard))
	p.CanonicalUser = nilIfEmpty(slices.DeleteFunc(p.CanonicalUser, resourcepolicy.HasWildcard))
}

// nilIfEmpty normalises an empty list to nil, as Parse does.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func principalEmpty(p *resourcepolicy.Principal) bool {
	return p == nil || (!p.Wildcard && len(p.AWS) == 0 && len(p.Service) == 0 && len(p.Federated) == 0 && len(p.CanonicalUser) == 0)
}

// copyStatement deep-copies a statement, so that rewriting never touches
// the caller's policy.
func copyStatement(st resourcepolicy.Statement) resourcepolicy.Statement {
	c := st
	c.Principal, c.NotPrincipal = copyPrincipal(st.Principal), copyPrincipal(st.NotPrincipal)
	c.Action, c.NotAction = slices.Clone(st.Action), slices.Clone(st.NotAction)
	c.Resource, c.NotResource = slices.Clone(st.Resource), slices.Clone(st.NotResource)
	if st.Condition != nil {
		c.Condition = make(resourcepolicy.Conditions, len(st.Condition))
		for op, keys := range st.Condition {
			m := make(map[string][]string, len(keys))
			for k, v := range keys {
				m[k] = slices.Clone(v)
			}
			c.Condition[op] = m
		}
	}
	return c
}

func copyPrincipal(p *resourcepolicy.Principal) *resourcepolicy.Principal {
	if p == nil {
		return nil
	}
	return &resourcepolicy.Principal{
		Wildcard:      p.Wildcard,
		AWS:           slices.Clone(p.AWS),
		Service:       slices.Clone(p.Service),
		Federated:     slices.Clone(p.Federated),
		CanonicalUser: slices.Clone(p.CanonicalUser),
	}
}
