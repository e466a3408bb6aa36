package remedies

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/resourcepolicy"
	"github.com/secretguard/secretguard/shared/secret"
)

// tightenPolicy rewrites the statements of a secret's resource policy that
// make it public or grant it to accounts the baseline does not allow.
type tightenPolicy struct{}

func (tightenPolicy) ID() string { return baseline.RemedyTightenPolicy }
func (tightenPolicy) Doc() string {
	return "Rewrites only the offending statements of the resource policy (organisation condition, or removal) and puts it with BlockPublicPolicy."
}
func (tightenPolicy) Fixes() []string { return []string{baseline.CheckNoPublicPolicy} }
func (tightenPolicy) IAMActions() []string {
	return []string{"secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"}
}

// PolicyContext is the classification context of a secret under a
// baseline, as the no-public-policy check builds it.
func PolicyContext(s *secret.Snapshot, b *baseline.Baseline) resourcepolicy.Context {
	return resourcepolicy.Context{
		AccountID:       s.AccountID,
		OrganizationID:  b.Organization.ID,
		AllowedAccounts: b.Organization.AllowedAccounts,
		OrgAccounts:     b.Organization.MemberAccounts,
	}
}

// BreakGlass returns the baseline's break-glass role ARNs with
// placeholders expanded for a secret.
func BreakGlass(s *secret.Snapshot, b *baseline.Baseline) []string {
	out := make([]string, 0, len(b.BreakGlassRoles))
	for _, r := range b.BreakGlassRoles {
		out = append(out, baseline.Expand(r, s.Partition, s.Region, s.AccountID))
	}
	return out
}

// Plan rewrites the policy with Tighten and makes one PutResourcePolicy
// call with the result and BlockPublicPolicy true, or DeleteResourcePolicy
// when no statement is left. Undo puts the previous document back verbatim
// (BlockPublicPolicy false: it may have been public). The plan is empty when
// nothing needs rewriting. A policy that cannot be parsed, or that still
// fails after Tighten (only a break-glass grant to a disallowed account
// does), is NeedsHuman — in the latter case together with the plan.
func (r tightenPolicy) Plan(_ context.Context, _ Clients, in Input) (Plan, error) {
	if err := checkInput(r.ID(), in); err != nil {
		return Plan{}, err
	}
	s := in.Secret
	p := newPlan(r.ID(), s)
	if !s.PolicyKnown {
		return p, fmt.Errorf("%s %s: the resource policy was not observed (GetResourcePolicy)", r.ID(), s.ARN)
	}
	if strings.TrimSpace(s.ResourcePolicy) == "" {
		return p, nil
	}
	pol, err := resourcepolicy.Parse(s.ResourcePolicy)
	if err != nil {
		return p, NeedsHuman(fmt.Sprintf("the resource policy cannot be parsed (%v): review it by hand", err))
	}
	ctx := PolicyContext(s, in.Baseline)
	tight, changes := Tighten(pol, ctx, BreakGlass(s, in.Baseline)...)
	if len(changes) == 0 {
		return p, stillFailing(tight, ctx)
	}
	after := clone(s)
	if len(tight.Statements) == 0 {
		p.Calls = []Call{deletePolicyCall(&secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String(s.ARN)})}
		after.ResourcePolicy = ""
	} else {
		doc, err := tight.JSON()
		if err != nil {
			return Plan{}, fmt.Errorf("%s %s: %w", r.ID(), s.ARN, err)
		}
		p.Calls = []Call{putPolicyCall(&secretsmanager.PutResourcePolicyInput{
			SecretId:          aws.String(s.ARN),
			ResourcePolicy:    aws.String(doc),
			BlockPublicPolicy: aws.Bool(true),
		})}
		after.ResourcePolicy = doc
	}
	p.Undo = []Call{putPolicyCall(&secretsmanager.PutResourcePolicyInput{
		SecretId:          aws.String(s.ARN),
		ResourcePolicy:    aws.String(s.ResourcePolicy),
		BlockPublicPolicy: aws.Bool(false),
	})}
	p.After = StateOf(after)
	p.Summary = strings.Join(changes, "; ")
	if len(tight.Statements) == 0 {
		p.Summary += "; no statement is left, so delete the policy"
	}
	if err := stillFailing(tight, ctx); err != nil {
		p.Summary += "; left for a person: " + Reason(err)
		return p, err
	}
	return p, nil
}

// stillFailing returns a NeedsHuman error when a tightened policy would
// still fail the check (a statement that only names break-glass
// principals in accounts the baseline does not allow).
func stillFailing(pol *resourcepolicy.Policy, ctx resourcepolicy.Context) error {
	w, ok := resourcepolicy.Worst(resourcepolicy.Classify(pol, ctx))
	if !ok || (w.Exposure != resourcepolicy.Public && len(w.Disallowed) == 0) {
		return nil
	}
	name := fmt.Sprintf("[%d]", w.Index)
	if w.Sid != "" {
		name = fmt.Sprintf("%q", w.Sid)
	}
	return NeedsHuman(fmt.Sprintf("statement %s still grants %s (%s) and names break-glass roles, which secretguard never removes: allow the account in the baseline or change the statement by hand",
		name, strings.Join(w.Disallowed, ", "), w.Reason))
}
