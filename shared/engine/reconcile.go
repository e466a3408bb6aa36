package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/outcome/publish"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// Reconcile observes one secret and acts on every check (see the package
// documentation). A secret that does not exist is a no-op (Result.Gone).
// The error is set when the secret could not be reconciled at all (no
// role in its account, it could not be read, the ledger or the bus
// failed); Retryable tells whether trying again can help.
func (inv *Invocation) Reconcile(ctx context.Context, req Request) (Result, error) {
	res := Result{SecretARN: req.SecretID, DryRun: req.DryRun, Preview: inv.e.Preview && !req.DryRun}
	account, region, err := locate(req)
	if err != nil {
		return res, err
	}
	res.AccountID, res.Region = account, region
	cl, err := inv.e.clientsFor(ctx, account, region)
	if err != nil {
		return res, err
	}
	obs := inv.e.observer(cl, region)
	sn, err := obs.Secret(ctx, req.SecretID, inv.e.needs())
	if errors.Is(err, secret.ErrNotFound) {
		res.Gone = true
		inv.e.log().Info("secret gone", "secretId", req.SecretID, "account", account, "region", region, "trigger", req.Trigger)
		inv.count(&res)
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("observe %s: %w", req.SecretID, err)
	}
	return inv.reconcile(ctx, cl, obs, sn, req)
}

// locate returns the account and Region of the requested secret.
func locate(req Request) (account, region string, err error) {
	if !secret.IsARN(req.SecretID) {
		if req.SecretID == "" {
			return "", "", errors.New("no secret ID")
		}
		return req.AccountID, req.Region, nil
	}
	a, err := secret.ParseARN(req.SecretID)
	if err != nil {
		return "", "", err
	}
	if req.AccountID != "" && req.AccountID != a.AccountID {
		return "", "", fmt.Errorf("secret %s is in account %s, not %s", req.SecretID, a.AccountID, req.AccountID)
	}
	if req.Region != "" && req.Region != a.Region {
		return "", "", fmt.Errorf("secret %s is in %s, not %s", req.SecretID, a.Region, req.Region)
	}
	return a.AccountID, a.Region, nil
}

func (e *Engine) observer(cl clients, region string) *secret.Observer {
	return &secret.Observer{Client: cl.secrets, Region: region, Now: e.Now, Concurrency: e.Concurrency}
}

// secretRun is the reconcile of one observed secret.
type secretRun struct {
	inv    *Invocation
	e      *Engine
	cl     clients
	obs    *secret.Observer
	req    Request
	sn     *secret.Snapshot // the latest observation
	hash   string           // stateHash(sn)
	latest map[string]ledger.Latest
	res    *Result
	events []publish.Event
	log    *slog.Logger
	now    time.Time
	// resource: the subject is a workload or account resource standing
	// where a secret would (ReconcileResource), not a secret.
	resource bool
}

func (inv *Invocation) reconcile(ctx context.Context, cl clients, obs *secret.Observer, sn *secret.Snapshot, req Request) (Result, error) {
	e := inv.e
	r := &secretRun{inv: inv, e: e, cl: cl, obs: obs, req: req, now: e.now(),
		res: &Result{SecretARN: sn.ARN, SecretName: sn.Name, AccountID: sn.AccountID, Region: sn.Region, DryRun: req.DryRun}}
	r.res.Preview = r.preview()
	r.log = e.log().With("secretArn", sn.ARN, "account", sn.AccountID, "region", sn.Region, "trigger", req.Trigger, "dryRun", req.DryRun,
		"preview", r.res.Preview)
	r.setSnapshot(sn)
	err := r.run(ctx)
	if ferr := r.flush(ctx); err == nil {
		err = ferr
	}
	inv.count(r.res)
	for _, c := range r.res.Checks {
		if c.Outcome != OutcomeCompliant && c.Outcome != OutcomeNotApplicable {
			attrs := []any{"check", c.Check, "compliance", string(c.Compliance), "mode", c.Mode,
				"decision", string(c.Decision), "outcome", string(c.Outcome), "id", c.ID, "why", c.Why, "event", c.Event}
			if c.Outcome == OutcomePlanned {
				attrs = append(attrs, "fix", c.Fix) // what would change: the exact calls, never a value
			}
			r.log.Info("decision", attrs...)
		}
	}
	if err != nil {
		r.log.Error("reconcile failed", "error", err.Error())
	}
	return *r.res, err
}

// preview reports whether this run previews: Engine.Preview, unless the
// request is a dry run (which writes nothing at all).
func (r *secretRun) preview() bool { return r.e.Preview && !r.req.DryRun }

func (r *secretRun) setSnapshot(sn *secret.Snapshot) {
	r.sn, r.hash = sn, stateHash(sn)
}

func (r *secretRun) run(ctx context.Context) error {
	if r.e.Ledger != nil {
		var err error
		if r.latest, err = r.e.Ledger.Latest(ctx, r.sn.ARN); err != nil {
			return err
		}
	}
	groups := map[string][]int{}
	// The cap is checked here so that a full invocation plans nothing more.
	// In preview a plan already sent on this state does not count against
	// the cap, which only previewRemedy can tell; deciding by the changes
	// other secrets reserved meanwhile would ticket such a plan or not
	// depending on which secret of a sweep ran first. previewRemedy reserves.
	changes := r.inv.Changes()
	if r.preview() {
		changes = 0
	}
	for _, sr := range scan.Evaluate(r.sn, r.e.checks(), r.e.Baseline, r.now) {
		_, known := remedies.ByID(sr.Remedy)
		cr := CheckResult{Check: sr.Check, Compliance: sr.Compliance, Annotation: sr.Annotation, Mode: sr.Mode,
			Remedy: sr.Remedy, Incomplete: sr.Incomplete}
		cr.Decision, cr.Why = Decide(Facts{Compliance: sr.Compliance, Waived: sr.Waived, Mode: sr.Mode,
			Remedy: sr.Remedy, RemedyKnown: known, Changes: changes, Cap: r.inv.cap()})
		r.res.Checks = append(r.res.Checks, cr)
	}
	for i := range r.res.Checks {
		cr := &r.res.Checks[i]
		var err error
		switch cr.Decision {
		case DecideNothing, DecideWaived:
			err = r.settle(ctx, cr)
		case DecideReport:
			cr.Outcome = OutcomeReported
		case DecideTicket:
			err = r.ticket(ctx, cr, nil)
		case DecideRemediate:
			groups[cr.Remedy] = append(groups[cr.Remedy], i)
		}
		if err != nil {
			return err
		}
	}
	for _, rem := range remedies.All() { // registry order
		idx := groups[rem.ID()]
		if len(idx) == 0 {
			continue
		}
		crs := make([]*CheckResult, len(idx))
		for j, i := range idx {
			crs[j] = &r.res.Checks[i]
		}
		if err := r.remediate(ctx, rem, crs); err != nil {
			return err
		}
	}
	return nil
}

// settle handles a check that passes, is not applicable or is waived: a
// Secret Compliant event when the ledger last recorded it NON_COMPLIANT.
func (r *secretRun) settle(ctx context.Context, cr *CheckResult) error {
	switch {
	case cr.Decision == DecideWaived:
		cr.Outcome = OutcomeWaived
	case cr.Compliance == checks.Compliant:
		cr.Outcome = OutcomeCompliant
	default:
		cr.Outcome = OutcomeNotApplicable
	}
	prev, ok := r.latest[cr.Check]
	if cr.Incomplete || !ok || prev.Compliance != string(checks.NonCompliant) {
		return nil
	}
	cr.ComplianceAfter = cr.Compliance
	cr.Why = fmt.Sprintf("The check is %s again; secretguard last recorded it %s (%s, %s).", cr.Compliance, checks.NonCompliant, prev.Decision, prev.ID)
	if r.req.DryRun {
		cr.Outcome = OutcomeResolved
		return nil
	}
	cr.ID = r.newID("ok", cr.Check)
	won, err := r.e.Ledger.SetLatest(ctx, r.sn.ARN, r.latestFor(cr, OutcomeResolved, verdictKey(string(OutcomeResolved), string(cr.Compliance))), true)
	if err != nil || !won {
		cr.ID = ""
		return err
	}
	cr.Outcome = OutcomeResolved
	return r.record(ctx, cr, outcome.TypeCompliant, nil, nil)
}

// ticket tells a person: Secret Needs Attention with the fix and the
// waiver, unless the ledger already has this decision on this state. plan
// is the remedy's plan when one was made (nil: plan now, for the fix).
func (r *secretRun) ticket(ctx context.Context, cr *CheckResult, plan *remedies.Plan) error {
	cr.Outcome = OutcomeTicketed
	if plan == nil {
		plan = r.planForFix(ctx, cr)
	}
	if plan != nil && !plan.Empty() {
		cr.Fix, cr.Summary = FixCommand(plan.Calls, r.sn.Region), plan.Summary
		cr.Before, cr.After = statePtr(plan.Before), statePtr(plan.After)
	}
	cr.Waiver = WaiverTag(r.e.Baseline, cr.Check, r.now)
	key := verdictKey(string(DecideTicket), cr.Why, r.hash)
	if r.unchanged(cr, key) || r.req.DryRun {
		return nil
	}
	cr.ID = r.newID("tkt", cr.Check)
	if won, err := r.setLatest(ctx, cr, OutcomeTicketed, key); !won {
		return err
	}
	if cr.Before == nil && !r.resource {
		cr.Before = statePtr(remedies.StateOf(r.sn))
	}
	return r.record(ctx, cr, outcome.TypeNeedsAttention, nil, nil)
}

// unchanged reports whether the ledger's latest verdict of the check is
// already the decision key on this state (OutcomeUnchanged: not recorded or
// sent again).
func (r *secretRun) unchanged(cr *CheckResult, key string) bool {
	if prev, ok := r.latest[cr.Check]; ok && prev.Key == key {
		cr.Outcome = OutcomeUnchanged
		return true
	}
	return false
}

// setLatest writes the check's latest verdict (outcome o, key) unless
// another invocation recorded the same key first: false then, and the
// check is a duplicate. Without a ledger it always wins.
func (r *secretRun) setLatest(ctx context.Context, cr *CheckResult, o Outcome, key string) (bool, error) {
	if r.e.Ledger == nil {
		return true, nil
	}
	won, err := r.e.Ledger.SetLatest(ctx, r.sn.ARN, r.latestFor(cr, o, key), true)
	if err != nil {
		return false, err
	}
	if !won {
		cr.Outcome, cr.ID = OutcomeDuplicate, ""
	}
	return won, nil
}

// planForFix plans the finding's remedy (reads only) to tell a person the
// exact fix; nil when there is none.
func (r *secretRun) planForFix(ctx context.Context, cr *CheckResult) *remedies.Plan {
	rem, ok := remedies.ByID(cr.Remedy)
	if !ok {
		return nil
	}
	p, err := rem.Plan(ctx, r.cl.remedies, r.input(cr))
	if err != nil && !errors.Is(err, remedies.ErrNeedsHuman) {
		r.log.Warn("no fix to suggest", "check", cr.Check, "remedy", cr.Remedy, "error", err.Error())
		return nil
	}
	return &p
}

func (r *secretRun) input(cr *CheckResult) remedies.Input {
	b := r.e.Baseline
	return remedies.Input{
		Secret: r.sn, Baseline: b, Class: b.ClassFor(r.sn.Name, r.sn.OwningService, r.sn.Tags),
		Finding: checks.Finding{Check: cr.Check, Compliance: cr.Compliance, Annotation: cr.Annotation, Remedy: cr.Remedy},
		Hints:   r.req.Hints, Now: r.now,
	}
}

func (r *secretRun) latestFor(cr *CheckResult, o Outcome, key string) ledger.Latest {
	c := cr.ComplianceAfter
	if c == "" {
		c = cr.Compliance
	}
	return ledger.Latest{Check: cr.Check, Compliance: string(c), Key: key, Decision: string(o), ID: cr.ID, Time: r.now}
}

func statePtr(s outcome.State) *outcome.State { return &s }
