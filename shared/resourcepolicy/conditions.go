package resourcepolicy

import (
	"fmt"
	"slices"
	"strings"
)

// keyKind is what a restricting condition key tells about the caller.
type keyKind int

const (
	kindOrg     keyKind = iota // value is an organisation ID
	kindOrgPath                // value is an organisation path "o-xxx/r-xxx/ou-xxx/"
	kindAccount                // value is an account ID
	kindARN                    // value is an ARN; its account field counts
	kindNetwork                // value is a VPC or VPC endpoint ID
	kindUserID                 // value is a principal unique ID, "AROA...:session" or "AIDA..."
)

type keyInfo struct {
	kind keyKind
	// source is true for aws:Source* keys, which are the ones that bound a
	// service principal (acting on behalf of a resource in some account).
	source bool
}

// restrictingKeys are the (lower-cased) condition keys that, under a positive
// operator with fixed values, bound who a wildcard principal can be.
// aws:ResourceAccount is deliberately absent: it describes the secret, not the caller.
var restrictingKeys = map[string]keyInfo{
	"aws:principalorgid":    {kindOrg, false},
	"aws:principalorgpaths": {kindOrgPath, false},
	"aws:sourceorgid":       {kindOrg, true},
	"aws:sourceorgpaths":    {kindOrgPath, true},
	"aws:principalaccount":  {kindAccount, false},
	"aws:sourceaccount":     {kindAccount, true},
	"aws:sourceowner":       {kindAccount, true},
	"aws:principalarn":      {kindARN, false},
	"aws:sourcearn":         {kindARN, true},
	"aws:sourcevpc":         {kindNetwork, false},
	"aws:sourcevpce":        {kindNetwork, false},
	"aws:userid":            {kindUserID, false},
}

// positiveOperators are the documented operator spellings that can bound a
// key to fixed values. Negated operators, ...IfExists variants (true when the
// key is absent), Null, and ForAllValues: (vacuously true when the key is
// absent) never restrict.
var positiveOperators = map[string]bool{
	"StringEquals":           true,
	"StringEqualsIgnoreCase": true,
	"StringLike":             true,
	"ArnEquals":              true,
	"ArnLike":                true,
}

// orgCond is one restricting organisation condition: the caller's
// organisation must be one of orgs.
type orgCond struct {
	key  string
	orgs []string
}

// restriction is what a statement's conditions say about the caller. All
// conditions in a statement must hold, so each of them bounds the caller on
// its own.
type restriction struct {
	accounts       []string // accounts named by any account/ARN key
	accountKeys    []string // keys (as written) that produced accounts
	sourceAccounts []string // accounts named by aws:Source* account/ARN keys only
	sourceKeys     []string
	orgs           []orgCond // from any organisation key
	sourceOrgs     []orgCond // from aws:SourceOrgID / aws:SourceOrgPaths only
	network        []string  // "aws:SourceVpce vpce-1a2b" descriptions
}

func analyzeConditions(c Conditions) restriction {
	var r restriction
	for _, op := range sortedKeys(c) {
		base, _ := strings.CutPrefix(op, "ForAnyValue:")
		if !positiveOperators[base] {
			continue
		}
		arnOp := strings.HasPrefix(base, "Arn")
		keys := c[op]
		for _, key := range sortedKeys(keys) {
			info, known := restrictingKeys[strings.ToLower(key)]
			if !known {
				continue
			}
			fixed, ok := fixedValues(info.kind, arnOp, keys[key])
			if !ok {
				continue
			}
			switch info.kind {
			case kindOrg, kindOrgPath:
				oc := orgCond{key: key, orgs: fixed}
				r.orgs = append(r.orgs, oc)
				if info.source {
					r.sourceOrgs = append(r.sourceOrgs, oc)
				}
			case kindAccount, kindARN:
				r.accounts = append(r.accounts, fixed...)
				r.accountKeys = append(r.accountKeys, key)
				if info.source {
					r.sourceAccounts = append(r.sourceAccounts, fixed...)
					r.sourceKeys = append(r.sourceKeys, key)
				}
			case kindNetwork, kindUserID:
				for _, v := range fixed {
					r.network = append(r.network, key+" "+v)
				}
			}
		}
	}
	return r
}

// fixedValues reduces every value of a condition to the fixed fact it pins
// (organisation ID, account ID, network ID or user ID prefix). It fails if
// there are no values or any value leaves that fact open: values are ORed, so
// one open value opens the whole condition.
func fixedValues(kind keyKind, arnOp bool, values []string) ([]string, bool) {
	if len(values) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		var fixed string
		switch kind {
		case kindOrg, kindAccount, kindNetwork:
			fixed = v
		case kindOrgPath:
			fixed, _, _ = strings.Cut(v, "/")
		case kindUserID:
			fixed, _, _ = strings.Cut(v, ":")
		case kindARN:
			acct, ok := conditionARNAccount(v, arnOp)
			if !ok {
				return nil, false
			}
			fixed = acct
		}
		if fixed == "" || hasWildcard(fixed) {
			return nil, false
		}
		out = append(out, fixed)
	}
	return out, true
}

// conditionARNAccount returns the fixed 12-digit account field of an ARN
// pattern. Arn* operators match each colon-separated field on its own, so
// only the account field must be fixed; String* operators match the whole
// string, so nothing before the account field may be a wildcard either.
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

// principalAccount classifies one AWS principal value: an account ID, an ARN
// (any partition) with a fixed account field, or a wildcard pattern.
// ok=false means the value names no account (for example the unique ID that
// replaces a deleted role's ARN).
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

// orgRestricted reports whether one of conds pins the caller to org alone.
func orgRestricted(conds []orgCond, org string) bool {
	if org == "" {
		return false
	}
	for _, c := range conds {
		if !slices.ContainsFunc(c.orgs, func(o string) bool { return !strings.EqualFold(o, org) }) {
			return true
		}
	}
	return false
}

// foreignOrgs returns the organisation IDs in conds other than org.
func foreignOrgs(conds []orgCond, org string) []string {
	var out []string
	for _, c := range conds {
		for _, o := range c.orgs {
			if org == "" || !strings.EqualFold(o, org) {
				out = append(out, o)
			}
		}
	}
	return sortedUnique(out)
}

func describeOrgs(conds []orgCond) string {
	var keys, orgs []string
	for _, c := range conds {
		keys = append(keys, c.key)
		orgs = append(orgs, c.orgs...)
	}
	return fmt.Sprintf("%s by %s", strings.Join(sortedUnique(orgs), ", "), strings.Join(sortedUnique(keys), ", "))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
