package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// remediate fixes the findings that name one secret remedy: plan, then act.
func (r *secretRun) remediate(ctx context.Context, rem remedies.Remedy, crs []*CheckResult) error {
	plan, perr := rem.Plan(ctx, r.cl.remedies, r.input(crs[0]))
	return r.act(ctx, remedyRun{
		id: rem.ID(), plan: plan, perr: perr, noun: "secret",
		apply: func(ctx context.Context) ([]outcome.Call, error) {
			return remedies.Apply(ctx, r.cl.remedies, plan.Calls)
		},
		verify: func(ctx context.Context) (map[string]scan.Result, error) { return r.verify(ctx, rem, crs) },
		gone:   func(aerr, verr error) bool { return awsenv.IsNotFound(aerr) || errors.Is(verr, secret.ErrNotFound) },
		after:  func() *outcome.State { return statePtr(remedies.StateOf(r.sn)) },
	}, crs)
}

// remedyRun is one remedy's plan for one subject (a secret, or a workload
// or account resource) and how to apply and verify it.
type remedyRun struct {
	id   string // the remedy's ID
	plan remedies.Plan
	perr error
	noun string // what the subject is, for people: "secret", "resource"
	// apply makes the plan's calls; verify observes the subject again and
	// evaluates the checks; gone tells whether their errors mean the
	// subject was deleted meanwhile; after is its state once verified
	// (nil: no state to show).
	apply  func(context.Context) ([]outcome.Call, error)
	verify func(context.Context) (map[string]scan.Result, error)
	gone   func(aerr, verr error) bool
	after  func() *outcome.State
}

// act carries a plan out: reserve a change, claim, apply, verify, record;
// in preview it only records and sends the plan.
func (r *secretRun) act(ctx context.Context, p remedyRun, crs []*CheckResult) error {
	plan, perr := p.plan, p.perr
	if r.preview() {
		return r.previewRemedy(ctx, p.id, crs, plan, perr)
	}
	needsHuman := errors.Is(perr, remedies.ErrNeedsHuman)
	switch {
	case perr != nil && !needsHuman:
		crs, err := r.claim(ctx, crs)
		if err != nil {
			return err
		}
		return r.each(crs, func(cr *CheckResult) error {
			cr.Outcome, cr.ComplianceAfter = OutcomeFailed, cr.Compliance
			cr.Why = unplannable + perr.Error()
			return r.recordRemediation(ctx, cr, nil)
		})
	case plan.Empty():
		return r.ticketEmpty(ctx, p.id, crs, plan, perr)
	case !r.inv.reserve():
		return r.ticketCap(ctx, p.id, crs, plan)
	}
	crs, err := r.claim(ctx, crs)
	if err != nil || len(crs) == 0 {
		r.inv.release()
		return err
	}
	id := r.newID("rem", p.id)
	for _, cr := range crs {
		cr.ID, cr.Summary = id, plan.Summary
		if p.after != nil {
			cr.Before, cr.After = statePtr(plan.Before), statePtr(plan.After)
		}
		cr.Fix, cr.Waiver = FixCommand(plan.Calls, r.sn.Region), WaiverTag(r.e.Baseline, cr.Check, r.now)
		cr.Undo = remedies.Plan{Calls: plan.Undo}.OutcomeCalls("undo")
		if needsHuman {
			cr.Why = "secretguard applies this part; left for a person: " + remedies.Reason(perr)
		}
	}
	if r.req.DryRun {
		for _, cr := range crs {
			cr.Outcome, cr.Calls = OutcomePlanned, plan.OutcomeCalls("dry-run")
		}
		return nil
	}
	undo, err := ledger.StoreCalls(plan.Undo)
	if err != nil {
		return fmt.Errorf("%s %s: store undo calls: %w", p.id, r.sn.ARN, err)
	}
	done, aerr := p.apply(ctx)
	verdicts, verr := p.verify(ctx)
	if p.gone(aerr, verr) {
		r.res.Gone = true // deleted meanwhile: nothing left to fix or tell
		return r.each(crs, func(cr *CheckResult) error {
			cr.Outcome, cr.Calls, cr.Why = OutcomeNotApplicable, done, "The "+p.noun+" was deleted while it was being remediated."
			return nil
		})
	}
	return r.each(crs, func(cr *CheckResult) error {
		cr.Calls = done
		cr.Outcome = r.judge(cr, p.id, verdicts[cr.Check], aerr, verr, needsHuman)
		if verr == nil && p.after != nil {
			cr.After = p.after()
		}
		return r.recordRemediation(ctx, cr, undo)
	})
}

// unplannable starts the reason of a remedy that could not plan.
const unplannable = "The remedy could not plan a fix, so nothing was changed: "

// ticketEmpty tickets findings whose remedy plans nothing: a person must
// do it (NeedsHuman) or look.
func (r *secretRun) ticketEmpty(ctx context.Context, remedy string, crs []*CheckResult, plan remedies.Plan, perr error) error {
	why := "needs a person: " + remedies.Reason(perr)
	if perr == nil {
		why = fmt.Sprintf("Remedy %s finds nothing to change, yet the check fails: a person must look.", remedy)
	}
	return r.each(crs, func(cr *CheckResult) error { cr.Why = why; return r.ticket(ctx, cr, &plan) })
}

// ticketCap tickets findings whose change the invocation's cap refuses.
func (r *secretRun) ticketCap(ctx context.Context, remedy string, crs []*CheckResult, plan remedies.Plan) error {
	_, why := Decide(Facts{Compliance: checks.NonCompliant, Mode: baseline.ModeRemediate, Remedy: remedy, RemedyKnown: true,
		Changes: r.inv.cap(), Cap: r.inv.cap()})
	return r.each(crs, func(cr *CheckResult) error {
		cr.Decision, cr.Why = DecideTicket, why
		return r.ticket(ctx, cr, &plan)
	})
}

// PreviewWhy is the Why of a plan sent in preview (Engine.Preview).
const PreviewWhy = "Preview: DRY_RUN is on; secretguard would make these calls."

// previewRemedy is remediate in preview (Engine.Preview): the same
// decisions, but nothing is claimed, applied or verified. A plan is
// recorded (outcome planned) and sent as a Secret Remediated event with
// DryRun set, the planned calls (outcome "dry-run"), Before/After from the
// plan, the fix and Why PreviewWhy; its compliance stays NON_COMPLIANT, so
// the notifier opens a ticket. A NeedsHuman plan is ticketed (Secret Needs
// Attention, with the calls secretguard would make), an empty plan or the
// cap tickets as usual, and a plan that fails is Remediation Failed. Each
// is recorded and sent once per decision and state (the check's latest
// verdict key, as for tickets); a plan already sent on this state is not
// sent again and does not count against the cap, so that successive sweeps
// preview every secret instead of the first MaxChangesPerInvocation.
func (r *secretRun) previewRemedy(ctx context.Context, remedy string, crs []*CheckResult, plan remedies.Plan, perr error) error {
	needsHuman := errors.Is(perr, remedies.ErrNeedsHuman)
	switch {
	case perr != nil && !needsHuman:
		key := verdictKey("preview", string(OutcomeFailed), r.hash)
		return r.each(crs, func(cr *CheckResult) error {
			cr.Outcome, cr.ComplianceAfter = OutcomeFailed, cr.Compliance
			cr.Why = unplannable + perr.Error()
			if r.unchanged(cr, key) {
				return nil
			}
			cr.ID = r.newID("plan", cr.Check)
			if won, err := r.setLatest(ctx, cr, OutcomeFailed, key); !won {
				return err
			}
			return r.record(ctx, cr, outcome.TypeFailed, nil, nil)
		})
	case plan.Empty():
		return r.ticketEmpty(ctx, remedy, crs, plan, perr)
	}
	fix, why := FixCommand(plan.Calls, r.sn.Region), PreviewWhy
	o, detailType := OutcomePlanned, outcome.TypeRemediated
	if needsHuman {
		o, detailType = OutcomeTicketed, outcome.TypeNeedsAttention
		why = "Preview: DRY_RUN is on; secretguard would make these calls and leave the rest for a person: " + remedies.Reason(perr)
	}
	key := verdictKey("preview", string(o), why, fix, r.hash)
	var fresh []*CheckResult
	for _, cr := range crs {
		cr.Summary, cr.Why, cr.Fix = plan.Summary, why, fix
		if !r.resource {
			cr.Before, cr.After = statePtr(plan.Before), statePtr(plan.After)
		}
		cr.Waiver = WaiverTag(r.e.Baseline, cr.Check, r.now)
		if !r.unchanged(cr, key) {
			fresh = append(fresh, cr)
		}
	}
	switch {
	case len(fresh) == 0:
		return nil
	case !r.inv.reserve():
		return r.ticketCap(ctx, remedy, fresh, plan)
	}
	id, calls, sent := r.newID("plan", remedy), plan.OutcomeCalls("dry-run"), false
	err := r.each(fresh, func(cr *CheckResult) error {
		cr.ID, cr.Outcome, cr.ComplianceAfter, cr.Calls = id, o, cr.Compliance, calls
		cr.Undo = remedies.Plan{Calls: plan.Undo}.OutcomeCalls("undo")
		won, err := r.setLatest(ctx, cr, o, key)
		if !won {
			return err
		}
		sent = true
		return r.record(ctx, cr, detailType, nil, nil)
	})
	if !sent {
		r.inv.release()
	}
	return err
}

// claim claims (check, state) for each finding and returns those won; the
// others are marked duplicates. Dry runs and runs without a ledger claim
// nothing.
func (r *secretRun) claim(ctx context.Context, crs []*CheckResult) ([]*CheckResult, error) {
	if r.req.DryRun || r.e.Ledger == nil {
		return crs, nil
	}
	var won []*CheckResult
	for _, cr := range crs {
		ok, err := r.e.Ledger.Claim(ctx, r.sn.ARN, cr.Check, r.hash, r.e.Actor, r.now)
		if err != nil {
			return nil, err
		}
		if !ok {
			cr.Outcome = OutcomeDuplicate
			cr.Why = "Another invocation is acting on this secret in the same state."
			continue
		}
		won = append(won, cr)
	}
	return won, nil
}

// verify observes the secret again and evaluates the checks; the new
// snapshot becomes the current one. The resource policy is read again only
// when the remedy writes it or a verified check reads it; otherwise the
// policy read moments ago is kept (no call of this remedy changed it).
func (r *secretRun) verify(ctx context.Context, rem remedies.Remedy, crs []*CheckResult) (map[string]scan.Result, error) {
	var cs []checks.Check
	for _, cr := range crs {
		if c, ok := checks.ByID(cr.Check); ok {
			cs = append(cs, c)
		}
	}
	needs := r.e.needs()
	keep := rem.ID() != baseline.RemedyTightenPolicy && !checks.NeedsOf(cs).Policy
	if keep {
		needs.Policy = false
	}
	sn, err := r.obs.Secret(ctx, r.sn.ARN, needs)
	if err != nil {
		return nil, fmt.Errorf("observe %s again to verify: %w", r.sn.ARN, err)
	}
	if keep {
		sn.ResourcePolicy, sn.PolicyKnown = r.sn.ResourcePolicy, r.sn.PolicyKnown
	}
	r.setSnapshot(sn)
	out := map[string]scan.Result{}
	for _, v := range scan.Evaluate(sn, cs, r.e.Baseline, r.now) {
		out[v.Check] = v
	}
	return out, nil
}

// judge says what an applied plan achieved for one check.
func (r *secretRun) judge(cr *CheckResult, remedy string, v scan.Result, aerr, verr error, needsHuman bool) Outcome {
	switch {
	case aerr != nil:
		cr.ComplianceAfter = cr.Compliance
		cr.Why = "The remedy stopped at a failing call; the calls listed before it were applied, none after: " + aerr.Error()
		return OutcomeFailed
	case verr != nil:
		cr.ComplianceAfter = cr.Compliance
		cr.Why = "Every call succeeded, but it could not be observed again to verify: " + verr.Error()
		return OutcomeFailed
	}
	cr.ComplianceAfter = v.Compliance
	switch {
	case v.Compliance != checks.NonCompliant:
		cr.Annotation = v.Annotation
		return OutcomeRemediated
	case cr.Check == baseline.CheckRotatedRecently && remedy == baseline.RemedyEnableRotation && r.sn.RotationEnabled:
		cr.Why = "Rotation is now enabled; this check passes after the first rotation" + nextRotation(r)
		return OutcomePending
	case needsHuman:
		cr.Why += " (the check still fails: " + v.Annotation + ")"
		return OutcomeTicketed
	}
	cr.Why = "Every call succeeded, but the check still fails: " + strings.TrimSpace(v.Annotation)
	return OutcomeFailed
}

func nextRotation(r *secretRun) string {
	if t := r.sn.NextRotationDate; !t.IsZero() {
		return ", due " + t.UTC().Format("2006-01-02") + "."
	}
	return "."
}

func detailTypeOf(o Outcome) string {
	switch o {
	case OutcomeRemediated, OutcomePending:
		return outcome.TypeRemediated
	case OutcomeFailed:
		return outcome.TypeFailed
	}
	return outcome.TypeNeedsAttention
}

// each runs fn on every check result and returns the first error.
func (r *secretRun) each(crs []*CheckResult, fn func(*CheckResult) error) error {
	var first error
	for _, cr := range crs {
		if err := fn(cr); err != nil && first == nil {
			first = err
		}
	}
	return first
}
