package dispatch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/workload"
)

// decodeResourceCompliance reads the compliance change of a workload or
// account check's rule: NON_COMPLIANT may need a ticket or a remedy,
// COMPLIANT and NOT_APPLICABLE may resolve a ticket; the function observes
// the resource again and acts on its own verdict.
func decodeResourceCompliance(env envelope, d complianceChange) (Trigger, error) {
	tr := Trigger{Kind: KindConfig}
	check := strings.TrimPrefix(d.ConfigRuleName, rulePrefix)
	c, _ := checks.ResourceByID(check)
	switch {
	case d.ResourceType != c.ResourceType():
		tr.Skip = fmt.Sprintf("resource type %q is not %s, which rule %s evaluates", d.ResourceType, c.ResourceType(), d.ConfigRuleName)
		return tr, nil
	case d.ResourceID == "":
		return tr, bad("%s of rule %s without resourceId", DetailComplianceChange, d.ConfigRuleName)
	case d.New == nil || d.New.ComplianceType == "":
		return tr, bad("%s of rule %s without newEvaluationResult.complianceType", DetailComplianceChange, d.ConfigRuleName)
	}
	switch checks.Compliance(d.New.ComplianceType) {
	case checks.NonCompliant, checks.Compliant, checks.NotApplicable:
	default:
		tr.Skip = fmt.Sprintf("rule %s turned %s for %s: nothing to do", d.ConfigRuleName, d.New.ComplianceType, d.ResourceID)
		return tr, nil
	}
	tr.Resource = &engine.ResourceRequest{Check: check, ResourceType: d.ResourceType, ResourceID: d.ResourceID,
		AccountID: first(d.AccountID, env.Account), Region: first(d.Region, env.Region), Trigger: "config:" + d.ConfigRuleName}
	switch {
	case !accountPattern.MatchString(tr.Resource.AccountID):
		return tr, bad("account %q of the %s is not a 12-digit account ID", tr.Resource.AccountID, DetailComplianceChange)
	case !regionPattern.MatchString(tr.Resource.Region):
		return tr, bad("region %q of the %s is not a Region", tr.Resource.Region, DetailComplianceChange)
	}
	return tr, nil
}

// directResource is the resource of a direct {"resource": ...} request.
type directResource struct {
	Check      string `json:"check"`
	AccountID  string `json:"accountId"`
	Region     string `json:"region"`
	ResourceID string `json:"resourceId"`
}

// decodeDirectResource checks a direct resource request: a workload or
// account check, a 12-digit account, a Region, and the resource (an
// AWS::::Account check's is the account; any other needs resourceId). The
// resource type is the check's.
func decodeDirectResource(d direct, dryRun, noDryRun bool) (Trigger, error) {
	tr := Trigger{Kind: KindDirect, NoDryRun: noDryRun}
	r := d.Resource
	if d.SecretID != "" || d.AccountID != "" || d.Region != "" || d.Sweep != nil {
		return tr, bad("a resource request takes no secretId, accountId, region or sweep beside resource (want %s)", shapeResource)
	}
	c, ok := checks.ResourceByID(r.Check)
	switch {
	case r.Check == "":
		return tr, bad("resource.check is missing: name a workload or account check (%s)", strings.Join(baseline.ResourceCheckIDs, ", "))
	case !ok && slices.Contains(baseline.CheckIDs, r.Check):
		return tr, bad(`resource.check %q is a secret check: ask %s with {"secretId": ...}`, r.Check, Secrets.Function())
	case !ok:
		return tr, bad("resource.check %q is not a workload or account check (%s)", r.Check, strings.Join(baseline.ResourceCheckIDs, ", "))
	case !accountPattern.MatchString(r.AccountID):
		return tr, bad("resource.accountId %q is not a 12-digit account ID", r.AccountID)
	case !regionPattern.MatchString(r.Region):
		return tr, bad("resource.region %q is not a Region", r.Region)
	}
	id := strings.TrimSpace(r.ResourceID)
	switch {
	case c.ResourceType() == workload.TypeAccount && id == "":
		id = r.AccountID
	case c.ResourceType() == workload.TypeAccount && id != r.AccountID:
		return tr, bad("resource.resourceId %q: check %s evaluates the account (%s), whose resource ID is its account ID %s",
			r.ResourceID, r.Check, workload.TypeAccount, r.AccountID)
	case id == "":
		return tr, bad("resource.resourceId is missing: check %s evaluates a %s; name it (%s)", r.Check, c.ResourceType(), resourceIDHint(c.ResourceType()))
	}
	tr.Resource = &engine.ResourceRequest{Check: r.Check, ResourceType: c.ResourceType(), ResourceID: id, AccountID: r.AccountID,
		Region: r.Region, Trigger: "direct", DryRun: dryRun}
	return tr, nil
}

// resourceIDHint says what AWS Config calls a resource of type t.
func resourceIDHint(t string) string {
	switch t {
	case workload.TypeFunction:
		return "the function's name"
	case workload.TypeTaskDefinition:
		return "the task definition's ARN"
	}
	return "its AWS Config resource ID"
}
