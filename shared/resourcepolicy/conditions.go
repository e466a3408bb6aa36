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

// FactKind is what the values of a restricting condition pin.
type FactKind int

const (
	// OrganizationFact: an organisation ID (aws:PrincipalOrgID,
	// aws:PrincipalOrgPaths, aws:SourceOrgID, aws:SourceOrgPaths; a path
	// pins the organisation it starts with).
	OrganizationFact FactKind = iota
	// AccountFact: an account ID (aws:PrincipalAccount, aws:SourceAccount,
	// aws:SourceOwner, and the account field of aws:PrincipalArn and
	// aws:SourceArn).
	AccountFact
	// NetworkFact: a VPC, a VPC endpoint or a caller's unique ID
	// (aws:SourceVpc, aws:SourceVpce, aws:userid), which names no account.
	NetworkFact
)

// fact is the FactKind of a key kind.
func (k keyKind) fact() FactKind {
	switch k {
	case kindOrg, kindOrgPath:
		return OrganizationFact
	case kindAccount, kindARN:
		return AccountFact
	}
	return NetworkFact
}

// Restriction is one condition that bounds who the caller can be, as
// Classify reads it (see the package doc): a restricting key under a
// positive operator, every value of which pins a fixed fact.
type Restriction struct {
	Operator string // as written, e.g. "StringEquals" or "ForAnyValue:ArnLike"
	Key      string // as written, e.g. "aws:PrincipalOrgID"
	Kind     FactKind
	// Source is true for the aws:Source* keys, the ones that bound a
	// service principal (acting on behalf of a resource in some account).
	Source bool
	// Facts holds the fact each value pins, one per value and in the same
	// order as Conditions[Operator][Key].
	Facts []string
}

// Restrictions returns the restricting conditions of a Condition block,
// ordered by operator and then by key. A condition whose operator or key
// does not restrict, or one of whose values leaves its fact open (values
// are ORed), is not one.
func Restrictions(c Conditions) []Restriction {
	var out []Restriction
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
			facts, ok := fixedValues(info.kind, arnOp, keys[key])
			if !ok {
				continue
			}
			out = append(out, Restriction{Operator: op, Key: key, Kind: info.kind.fact(), Source: info.source, Facts: facts})
		}
	}
	return out
}

// PrincipalRestrictions returns the restrictions that Classify bounds a
// statement's open principals with: for a wildcard principal, its account
// restrictions when it has any, else its organisation ones; for a service
// principal, the same among its aws:Source* restrictions only. One that
// serves both is listed once. Network restrictions are never listed: they
// leave the accounts unknown. It returns nil when the statement has no
// wildcard or service principal.
func PrincipalRestrictions(st Statement) []Restriction {
	p := st.Principal
	if p == nil {
		return nil
	}
	wild, service := p.Wildcard, false
	for _, a := range p.AWS {
		if _, w, _ := PrincipalAccount(a); w {
			wild = true
		}
	}
	for _, l := range [][]string{p.Federated, p.CanonicalUser} {
		wild = wild || slices.ContainsFunc(l, HasWildcard)
	}
	for _, s := range p.Service {
		if HasWildcard(s) {
			wild = true
		} else {
			service = true
		}
	}
	all := Restrictions(st.Condition)
	var out []Restriction
	if wild {
		out = append(out, accountsElseOrgs(all, false)...)
	}
	if service {
		for _, r := range accountsElseOrgs(all, true) {
			if !slices.ContainsFunc(out, func(o Restriction) bool { return o.Operator == r.Operator && o.Key == r.Key }) {
				out = append(out, r)
			}
		}
	}
	return out
}

// accountsElseOrgs returns the account restrictions of rs, or its
// organisation ones when there are none; only aws:Source* ones when
// onlySource.
func accountsElseOrgs(rs []Restriction, onlySource bool) []Restriction {
	var acct, org []Restriction
	for _, r := range rs {
		switch {
		case onlySource && !r.Source:
		case r.Kind == AccountFact:
			acct = append(acct, r)
		case r.Kind == OrganizationFact:
			org = append(org, r)
		}
	}
	if len(acct) > 0 {
		return acct
	}
	return org
}

// orgCond is one restricting organisation condition: the caller's
// organisation must be one of orgs.
type orgCond struct {
	key  string
	orgs []string
}

// bounds is what a statement's conditions say about the caller. All
// conditions in a statement must hold, so each of them bounds the caller on
// its own.
type bounds struct {
	accounts       []string // accounts named by any account/ARN key
	accountKeys    []string // keys (as written) that produced accounts
	sourceAccounts []string // accounts named by aws:Source* account/ARN keys only
	sourceKeys     []string
	orgs           []orgCond // from any organisation key
	sourceOrgs     []orgCond // from aws:SourceOrgID / aws:SourceOrgPaths only
	network        []string  // "aws:SourceVpce vpce-1a2b" descriptions
}

func analyzeConditions(c Conditions) bounds {
	var b bounds
	for _, r := range Restrictions(c) {
		switch r.Kind {
		case OrganizationFact:
			oc := orgCond{key: r.Key, orgs: r.Facts}
			b.orgs = append(b.orgs, oc)
			if r.Source {
				b.sourceOrgs = append(b.sourceOrgs, oc)
			}
		case AccountFact:
			b.accounts = append(b.accounts, r.Facts...)
			b.accountKeys = append(b.accountKeys, r.Key)
			if r.Source {
				b.sourceAccounts = append(b.sourceAccounts, r.Facts...)
				b.sourceKeys = append(b.sourceKeys, r.Key)
			}
		case NetworkFact:
			for _, v := range r.Facts {
				b.network = append(b.network, r.Key+" "+v)
			}
		}
	}
	return b
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
		if fixed == "" || HasWildcard(fixed) {
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
	if !arnOp && (parts[0] != "arn" || HasWildcard(strings.Join(parts[:4], ":"))) {
		return "", false
	}
	if !isAccountID(parts[4]) {
		return "", false
	}
	return parts[4], true
}

// HasWildcard reports whether a policy value holds a wildcard ('*' or '?').
func HasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

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

// PrincipalAccount classifies one AWS principal value as Classify does: an
// account ID, an ARN (any partition) with a fixed account field, or a
// wildcard pattern. ok=false means the value names no account (for example
// the unique ID that replaces a deleted role's ARN).
func PrincipalAccount(v string) (account string, wildcard, ok bool) {
	if isAccountID(v) {
		return v, false, true
	}
	if parts := strings.SplitN(v, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		switch {
		case HasWildcard(parts[4]):
			return "", true, true
		case isAccountID(parts[4]):
			return parts[4], false, true
		}
		return "", false, false
	}
	if HasWildcard(v) {
		return "", true, true
	}
	return "", false, false
}

// orgRestricted reports whether one of conds pins the caller to the
// owner's organisation alone.
func orgRestricted(conds []orgCond, ctx Context) bool {
	for _, c := range conds {
		if !slices.ContainsFunc(c.orgs, func(o string) bool { return !ctx.OwnOrganization(o) }) {
			return true
		}
	}
	return false
}

// foreignOrgs returns the organisation IDs in conds other than the owner's.
func foreignOrgs(conds []orgCond, ctx Context) []string {
	var out []string
	for _, c := range conds {
		for _, o := range c.orgs {
			if !ctx.OwnOrganization(o) {
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
