package resourcepolicy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Exposure is how far an Allow statement reaches beyond the owning account.
type Exposure string

const (
	Scoped       Exposure = "scoped"        // only the owning account (or service principals restricted to it)
	CrossAccount Exposure = "cross-account" // names other AWS accounts explicitly or via a restricting condition
	Public       Exposure = "public"
)

// Context describes the secret's owner and the baseline's allowances.
type Context struct {
	AccountID       string   // the account that owns the secret
	OrganizationID  string   // e.g. o-abc123; may be empty (unknown)
	AllowedAccounts []string // external accounts the baseline allows
	OrgAccounts     []string // optional: accounts known to be members of the organisation
}

// AllowsAccount reports whether the baseline lets account have access: it
// is the owning account, an allowed account or a known organisation member.
func (c Context) AllowsAccount(account string) bool {
	return account == c.AccountID || slices.Contains(c.AllowedAccounts, account) || slices.Contains(c.OrgAccounts, account)
}

// OwnOrganization reports whether org is the owner's organisation
// (compared case-insensitively); false when that organisation is unknown.
func (c Context) OwnOrganization(org string) bool {
	return c.OrganizationID != "" && strings.EqualFold(org, c.OrganizationID)
}

// Verdict is the classification of one Allow statement.
type Verdict struct {
	Index    int // statement index in Policy.Statements
	Sid      string
	Exposure Exposure
	Accounts []string // external account IDs this statement grants to (sorted, deduplicated)
	// InOrg: access is restricted to the organisation by a positive
	// aws:PrincipalOrgID/aws:PrincipalOrgPaths (or aws:SourceOrgID/aws:SourceOrgPaths)
	// condition whose every value is Context.OrganizationID.
	InOrg bool
	// Disallowed: external accounts that are neither in AllowedAccounts nor in
	// OrgAccounts, plus foreign/unknown organisation IDs a wildcard principal is
	// restricted to, plus AWS principal values that name no account. Sorted,
	// deduplicated; empty when InOrg.
	Disallowed []string
	Reason     string // short human text: why this exposure
}

// Classify returns one Verdict per Allow statement (Deny statements are not
// classified), in order. A statement whose Effect is neither Allow nor Deny
// (only possible for a hand-built Policy) is classified like an Allow.
func Classify(p *Policy, ctx Context) []Verdict {
	if p == nil {
		return nil
	}
	var out []Verdict
	for i, s := range p.Statements {
		if s.Effect == effectDeny {
			continue
		}
		out = append(out, classifyStatement(i, s, ctx))
	}
	return out
}

// Worst returns the most exposed verdict (Public > CrossAccount with
// Disallowed > CrossAccount > Scoped; the first one on a tie), ok=false if
// there is none.
func Worst(vs []Verdict) (Verdict, bool) {
	if len(vs) == 0 {
		return Verdict{}, false
	}
	worst := vs[0]
	for _, v := range vs[1:] {
		if severity(v) > severity(worst) {
			worst = v
		}
	}
	return worst, true
}

func severity(v Verdict) int {
	switch v.Exposure {
	case Scoped:
		return 0
	case CrossAccount:
		if len(v.Disallowed) > 0 {
			return 2
		}
		return 1
	}
	return 3 // Public, or an unknown value: assume the worst
}

func exposureRank(e Exposure) int {
	switch e {
	case Scoped:
		return 0
	case CrossAccount:
		return 1
	}
	return 2
}

// finding is the exposure of one part of a statement's principals.
type finding struct {
	exposure   Exposure
	accounts   []string // external accounts
	disallowed []string // non-account entries for Verdict.Disallowed
	reason     string
}

func classifyStatement(i int, s Statement, ctx Context) Verdict {
	r := analyzeConditions(s.Condition)
	inOrg := orgRestricted(r.orgs, ctx)
	var fs []finding
	if s.NotPrincipal != nil {
		fs = append(fs, finding{exposure: Public, reason: "NotPrincipal in an Allow statement grants to everyone except the listed principals"})
	}
	if s.Principal != nil {
		fs = append(fs, principalFindings(s.Principal, r, ctx, inOrg)...)
	}
	if len(fs) == 0 {
		fs = append(fs, finding{exposure: Scoped, reason: "no Principal: grants nothing in a resource policy"})
	}

	v := Verdict{Index: i, Sid: s.Sid, Exposure: Scoped, InOrg: inOrg}
	var accounts, disallowed, reasons []string
	for _, f := range fs {
		if exposureRank(f.exposure) > exposureRank(v.Exposure) {
			v.Exposure = f.exposure
		}
		accounts = append(accounts, f.accounts...)
		disallowed = append(disallowed, f.disallowed...)
		reasons = append(reasons, f.reason)
	}
	v.Accounts = sortedUnique(accounts)
	if !inOrg {
		for _, a := range v.Accounts {
			if !ctx.AllowsAccount(a) {
				disallowed = append(disallowed, a)
			}
		}
		v.Disallowed = sortedUnique(disallowed)
	}
	v.Reason = strings.Join(reasons, "; ")
	return v
}

func principalFindings(p *Principal, r bounds, ctx Context, inOrg bool) []finding {
	var fs []finding
	var wild, unknown, external, services, federated, canonical []string
	own := false
	if p.Wildcard {
		wild = append(wild, `"*"`)
	}
	for _, a := range p.AWS {
		acct, isWild, ok := PrincipalAccount(a)
		switch {
		case isWild:
			wild = append(wild, strconv.Quote(a))
		case !ok:
			unknown = append(unknown, a)
		case acct == ctx.AccountID:
			own = true
		default:
			external = append(external, acct)
		}
	}
	// A wildcard in a Service, Federated or CanonicalUser value is not valid
	// AWS syntax; treat it like "*" rather than guess.
	split := func(kind string, values []string, dst *[]string) {
		for _, v := range values {
			if HasWildcard(v) {
				wild = append(wild, kind+" "+strconv.Quote(v))
			} else {
				*dst = append(*dst, strconv.Quote(v))
			}
		}
	}
	split("Service", p.Service, &services)
	split("Federated", p.Federated, &federated)
	split("CanonicalUser", p.CanonicalUser, &canonical)

	if len(wild) > 0 {
		fs = append(fs, wildcardFinding("Principal "+strings.Join(wild, ", "), r, ctx, inOrg))
	}
	if own {
		fs = append(fs, finding{exposure: Scoped, reason: "AWS principal in the owning account"})
	}
	if len(external) > 0 {
		external = sortedUnique(external)
		fs = append(fs, finding{exposure: CrossAccount, accounts: external,
			reason: "AWS principal in account " + strings.Join(external, ", ")})
	}
	if len(unknown) > 0 {
		fs = append(fs, finding{exposure: CrossAccount, disallowed: unknown,
			reason: fmt.Sprintf("AWS principal %s names no account (e.g. the unique ID of a deleted role)", quoteAll(unknown))})
	}
	if len(services) > 0 {
		fs = append(fs, serviceFinding("service principal "+strings.Join(services, ", "), r, ctx))
	}
	if len(federated) > 0 {
		fs = append(fs, finding{exposure: CrossAccount, reason: "federated principal " + strings.Join(federated, ", ") + " (identities outside IAM)"})
	}
	if len(canonical) > 0 {
		fs = append(fs, finding{exposure: CrossAccount, reason: "canonical user principal " + strings.Join(canonical, ", ") + " (account not known)"})
	}
	if len(fs) == 0 {
		fs = append(fs, finding{exposure: Scoped, reason: "Principal names no one"})
	}
	return fs
}

// wildcardFinding classifies a principal that matches anyone, which only a
// restricting condition can bound.
func wildcardFinding(who string, r bounds, ctx Context, inOrg bool) finding {
	switch {
	case len(r.accounts) > 0:
		return accountsFinding(who, r.accounts, r.accountKeys, ctx)
	case len(r.orgs) > 0:
		return orgFinding(who, r.orgs, ctx, inOrg)
	case len(r.network) > 0:
		return finding{exposure: CrossAccount,
			reason: fmt.Sprintf("%s restricted only by network or caller ID (%s); the accounts are unknown", who, strings.Join(r.network, ", "))}
	}
	return finding{exposure: Public, reason: who + " without a restricting condition"}
}

// serviceFinding classifies service principals: an AWS service acts for
// whichever account's resource invokes it, unless aws:Source* keys bound that.
func serviceFinding(who string, r bounds, ctx Context) finding {
	switch {
	case len(r.sourceAccounts) > 0:
		return accountsFinding(who, r.sourceAccounts, r.sourceKeys, ctx)
	case len(r.sourceOrgs) > 0:
		return orgFinding(who, r.sourceOrgs, ctx, orgRestricted(r.sourceOrgs, ctx))
	}
	return finding{exposure: CrossAccount, reason: "confused deputy: " + who + " without aws:SourceAccount or aws:SourceArn"}
}

func accountsFinding(who string, accounts, keys []string, ctx Context) finding {
	by := strings.Join(sortedUnique(keys), ", ")
	var ext []string
	for _, a := range accounts {
		if a != ctx.AccountID {
			ext = append(ext, a)
		}
	}
	if len(ext) == 0 {
		return finding{exposure: Scoped, reason: fmt.Sprintf("%s restricted to the owning account by %s", who, by)}
	}
	ext = sortedUnique(ext)
	return finding{exposure: CrossAccount, accounts: ext,
		reason: fmt.Sprintf("%s restricted to account %s by %s", who, strings.Join(ext, ", "), by)}
}

func orgFinding(who string, conds []orgCond, ctx Context, inOrg bool) finding {
	desc := describeOrgs(conds)
	if inOrg {
		return finding{exposure: CrossAccount, reason: fmt.Sprintf("%s restricted to this organisation %s", who, desc)}
	}
	foreign := foreignOrgs(conds, ctx)
	if ctx.OrganizationID == "" {
		return finding{exposure: CrossAccount, disallowed: foreign,
			reason: fmt.Sprintf("%s restricted to organisation %s, but this organisation is unknown", who, desc)}
	}
	return finding{exposure: CrossAccount, disallowed: foreign,
		reason: fmt.Sprintf("%s restricted to organisation %s, not this organisation (%s)", who, desc, ctx.OrganizationID)}
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}
