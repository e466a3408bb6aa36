package checks

import (
	"fmt"
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

// noPublicPolicy: the resource policy grants no public access and no access
// to accounts or organisations the baseline does not allow.
type noPublicPolicy struct{}

func (noPublicPolicy) ID() string { return baseline.CheckNoPublicPolicy }
func (noPublicPolicy) Doc() string {
	return "The resource policy grants no public access and no access to accounts or organisations the baseline does not allow."
}
func (noPublicPolicy) Needs() Needs { return Needs{Policy: true} }

// AppliesToReplicas is true: each replica has its own resource policy.
func (noPublicPolicy) AppliesToReplicas() bool { return true }

// Evaluate parses the policy on every evaluation: policies are small, and
// the Snapshot stays a plain record of what AWS returned.
func (n noPublicPolicy) Evaluate(in Input) Finding {
	s, b, id := in.Secret, in.Baseline, n.ID()
	if !s.PolicyKnown {
		return finding(id, NotApplicable, "", "Resource policy not read: %s.", problemOr(s, "GetResourcePolicy was not called"))
	}
	if strings.TrimSpace(s.ResourcePolicy) == "" {
		return finding(id, Compliant, "", "No resource policy.")
	}
	p, err := resourcepolicy.Parse(s.ResourcePolicy)
	if err != nil {
		// AWS validates policies on PutResourcePolicy, so this is our
		// parser's limit, not the secret's fault: no false alarm.
		return finding(id, NotApplicable, "", "Resource policy could not be parsed: %v; review it by hand.", err)
	}
	vs := resourcepolicy.Classify(p, resourcepolicy.Context{
		AccountID:       s.AccountID,
		OrganizationID:  b.Organization.ID,
		AllowedAccounts: b.Organization.AllowedAccounts,
		OrgAccounts:     b.Organization.MemberAccounts,
	})
	w, ok := resourcepolicy.Worst(vs)
	switch {
	case !ok:
		return finding(id, Compliant, "", "Resource policy has no Allow statement.")
	case w.Exposure == resourcepolicy.Public:
		return finding(id, NonCompliant, baseline.RemedyTightenPolicy, "Statement %s makes the secret public (%s); restrict its principal or add an aws:PrincipalOrgID condition.",
			statementName(w), clip(w.Reason, 120))
	case w.Exposure == resourcepolicy.CrossAccount && len(w.Disallowed) > 0:
		return finding(id, NonCompliant, baseline.RemedyTightenPolicy, "Statement %s grants access to %s, not allowed by the baseline: remove them from the policy, or allow them in the baseline's organization section.",
			statementName(w), brief(w.Disallowed, 4))
	}
	accounts, inOrg, other := map[string]bool{}, false, ""
	for _, v := range vs {
		if v.Exposure != resourcepolicy.CrossAccount {
			continue
		}
		for _, a := range v.Accounts {
			accounts[a] = true
		}
		inOrg = inOrg || v.InOrg
		if len(v.Accounts) == 0 && !v.InOrg && other == "" {
			other = v.Reason
		}
	}
	var grants []string
	if len(accounts) > 0 {
		grants = append(grants, "accounts "+brief(sortedKeys(accounts), 4))
	}
	if inOrg {
		grants = append(grants, "organization "+b.Organization.ID)
	}
	if other != "" {
		grants = append(grants, clip(other, 80))
	}
	if len(grants) == 0 {
		return finding(id, Compliant, "", "Resource policy grants access only within account %s.", s.AccountID)
	}
	return finding(id, Compliant, "", "Resource policy grants cross-account access only as allowed: %s.", strings.Join(grants, "; "))
}

// statementName names a statement by Sid, else by its 0-based index.
func statementName(v resourcepolicy.Verdict) string {
	if v.Sid != "" {
		return fmt.Sprintf("%q", clip(v.Sid, 40))
	}
	return fmt.Sprintf("[%d]", v.Index)
}
