package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/workload"
)

// ResourceRequest asks for the decision on one workload or account check
// (baseline.ResourceCheckIDs) of one resource, after its Config rule
// changed compliance. The resource is observed live and evaluated again:
// the verdict the engine acts on is its own, not the event's.
type ResourceRequest struct {
	Check string `json:"check"`
	// ResourceType and ResourceID are the Config resource (a function's
	// name, a task definition's ARN, the account ID).
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
	AccountID    string `json:"accountId"`
	Region       string `json:"region"`
	Trigger      string `json:"trigger,omitempty"`
	// DryRun plans and records nothing, as Request.DryRun.
	DryRun bool `json:"dryRun,omitempty"`
}

// ResourceRemedy fixes the findings of a workload or account check in one
// account and Region (vpcendpoint.Remedy). Like the secret remedies it
// plans first (reads only; the exact calls) and applies the plan after.
type ResourceRemedy interface {
	ID() string
	// Plan returns the calls that fix r. An error wrapping
	// remedies.ErrNeedsHuman comes with the plan of what it can do and
	// names the rest; any other error means no plan.
	Plan(ctx context.Context, cfg aws.Config, r *workload.Resource) (remedies.Plan, error)
	// Apply makes the plan's calls in order, stops at the first error and
	// returns the calls made, each with its outcome.
	Apply(ctx context.Context, cfg aws.Config, p remedies.Plan) ([]outcome.Call, error)
}

// IsResourceCheck reports whether id is a workload or account check.
func IsResourceCheck(id string) bool { return slices.Contains(baseline.ResourceCheckIDs, id) }

// ResourceActions are what observing the workload and account checks'
// resources needs in each account.
func ResourceActions() []string {
	var out []string
	for _, c := range checks.AllResource() {
		out = append(out, c.IAMActions()...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// noResourceRemedy is the Why of a remediate-mode resource finding that
// no remedy of the engine can fix.
const noResourceRemedy = "The check's mode is remediate, but no remedy exists for this finding: a person must."

func (e *Engine) resourceRemedy(id string) (ResourceRemedy, bool) {
	for _, rem := range e.ResourceRemedies {
		if id != "" && rem.ID() == id {
			return rem, true
		}
	}
	return nil, false
}

// AccountARN identifies an account in one Region (the subject of the
// AWS::::Account checks, which are evaluated per Region) in events and the
// ledger: arn:<partition>:iam:<region>:<account>:root.
func AccountARN(partition, region, account string) string {
	return "arn:" + partition + ":iam:" + region + ":" + account + ":root"
}

// ReconcileResource observes one resource, evaluates the check on it and
// acts by the check's mode: report logs only; ticket sends one Secret Needs
// Attention, deduplicated by the ledger's latest verdict of (resource ARN,
// check); remediate applies the finding's remedy when the engine has it
// (ResourceRemedies: create-vpc-endpoint), verifies by observing the
// resource again and records it as the secret remedies are (claim, cap,
// Secret Remediated or Remediation Failed; in preview a dry-run plan), and
// tickets otherwise. A check that passes again after a recorded
// NON_COMPLIANT verdict sends Secret Compliant. A resource that no longer
// exists is a no-op (Result.Gone). Result.SecretARN is the resource's ARN.
func (inv *Invocation) ReconcileResource(ctx context.Context, req ResourceRequest) (Result, error) {
	e := inv.e
	res := Result{SecretARN: req.ResourceID, AccountID: req.AccountID, Region: req.Region}
	c, ok := checks.ResourceByID(req.Check)
	switch {
	case !ok:
		return res, fmt.Errorf("%q is not a workload or account check", req.Check)
	case c.ResourceType() != req.ResourceType:
		return res, fmt.Errorf("check %s evaluates %s, not %s", req.Check, c.ResourceType(), req.ResourceType)
	case req.AccountID == "" || req.Region == "":
		return res, errors.New("a resource check needs the resource's account and Region")
	}
	if e.NewWorkload == nil {
		return res, errors.New("this function does not handle workload and account checks (Engine.NewWorkload is not set): they are served by secretguard-workloads")
	}
	cfg, err := e.accountConfig(ctx, req.AccountID, req.Region)
	if err != nil {
		return res, err
	}
	sc := &scan.ResourceScanner{Observer: e.NewWorkload(cfg, req.AccountID), Baseline: e.Baseline, Checks: []checks.ResourceCheck{c}, Now: e.Now}
	sub := &resourceSubject{cfg: cfg, sc: sc, typ: req.ResourceType, id: req.ResourceID}
	sr, err := sub.observe(ctx)
	if errors.Is(err, workload.ErrNotFound) || (err == nil && sub.r.Gone) {
		res.Gone = true
		e.log().Info("resource gone", "resourceType", req.ResourceType, "resourceId", req.ResourceID, "account", req.AccountID,
			"region", req.Region, "trigger", req.Trigger)
		inv.countResource(&res)
		return res, nil
	}
	if err != nil {
		return res, err
	}
	return inv.reconcileResource(ctx, sub, sr, req)
}

// resourceSubject is the resource a ReconcileResource acts on: where it
// lives and how to observe it again.
type resourceSubject struct {
	cfg     aws.Config
	sc      *scan.ResourceScanner
	typ, id string
	r       *workload.Resource // the latest observation
}

// observe reads the resource and evaluates the check on it.
func (s *resourceSubject) observe(ctx context.Context) (scan.Result, error) {
	r, results, err := s.sc.Resource(ctx, s.typ, s.id)
	switch {
	case err != nil:
		return scan.Result{}, fmt.Errorf("observe %s %s: %w", s.typ, s.id, err)
	case r == nil:
		return scan.Result{}, fmt.Errorf("observe %s %s: nothing observed", s.typ, s.id)
	case !r.Gone && len(results) != 1:
		return scan.Result{}, fmt.Errorf("check %s gave %d results for %s", s.sc.Checks[0].ID(), len(results), s.id)
	}
	s.r = r
	if r.Gone {
		return scan.Result{}, nil
	}
	return results[0], nil
}

func (inv *Invocation) reconcileResource(ctx context.Context, sub *resourceSubject, sr scan.Result, req ResourceRequest) (Result, error) {
	e, r := inv.e, sub.r
	id := r.ARN
	if r.Type == workload.TypeAccount || id == "" {
		id = AccountARN(r.Partition, r.Region, r.AccountID)
	}
	// The resource stands where a secret would: the same ledger items,
	// events, claims and deduplication.
	sn := &secret.Snapshot{ARN: id, Name: r.Name, AccountID: r.AccountID, Region: r.Region, Partition: r.Partition, Tags: r.Tags}
	run := &secretRun{inv: inv, e: e, req: Request{SecretID: id, AccountID: r.AccountID, Region: r.Region, Trigger: req.Trigger, DryRun: req.DryRun},
		sn: sn, hash: resourceHash(sr), now: sr.EvaluatedAt, resource: true,
		res: &Result{SecretARN: id, SecretName: r.Name, AccountID: r.AccountID, Region: r.Region, DryRun: req.DryRun}}
	run.res.Preview = run.preview()
	if run.now.IsZero() {
		run.now = e.now()
	}
	run.log = e.log().With("resourceArn", id, "resourceType", r.Type, "account", r.AccountID, "region", r.Region, "trigger", req.Trigger,
		"dryRun", req.DryRun, "preview", run.res.Preview)
	rem, known := e.resourceRemedy(sr.Remedy)
	changes := inv.Changes()
	if run.preview() {
		changes = 0 // as for secrets: previewRemedy reserves
	}
	cr := CheckResult{Check: sr.Check, Compliance: sr.Compliance, Annotation: sr.Annotation, Mode: sr.Mode, Remedy: sr.Remedy, Incomplete: sr.Incomplete}
	cr.Decision, cr.Why = Decide(Facts{Compliance: sr.Compliance, Waived: sr.Waived, Mode: sr.Mode, Remedy: sr.Remedy, RemedyKnown: known,
		Changes: changes, Cap: inv.cap()})
	if cr.Decision == DecideTicket && sr.Mode == baseline.ModeRemediate && !known {
		cr.Why = noResourceRemedy
	}
	err := run.resourceCheck(ctx, &cr, sr, sub, rem)
	run.res.Checks = []CheckResult{cr}
	if ferr := run.flush(ctx); err == nil {
		err = ferr
	}
	inv.countResource(run.res)
	attrs := []any{"check", cr.Check, "compliance", string(cr.Compliance), "mode", cr.Mode, "decision", string(cr.Decision),
		"outcome", string(cr.Outcome), "id", cr.ID, "why", cr.Why, "event", cr.Event}
	if cr.Outcome == OutcomePlanned || (cr.Outcome == OutcomeRemediated && len(cr.Calls) > 0) {
		attrs = append(attrs, "fix", cr.Fix)
	}
	run.log.Info("decision", attrs...)
	if err != nil {
		run.log.Error("reconcile failed", "error", err.Error())
	}
	return *run.res, err
}

func (r *secretRun) resourceCheck(ctx context.Context, cr *CheckResult, sr scan.Result, sub *resourceSubject, rem ResourceRemedy) error {
	if r.e.Ledger != nil {
		var err error
		if r.latest, err = r.e.Ledger.Latest(ctx, r.sn.ARN); err != nil {
			return err
		}
	}
	cr.Fix = sr.Fix // the check's recipe (non-compliant only); a plan replaces it
	switch cr.Decision {
	case DecideNothing, DecideWaived:
		return r.settle(ctx, cr)
	case DecideReport:
		cr.Outcome = OutcomeReported
		return nil
	case DecideRemediate:
		return r.remediateResource(ctx, cr, sub, rem)
	}
	// Ticket: the recipe, once per verdict on this state.
	return r.ticket(ctx, cr, &remedies.Plan{})
}

// remediateResource plans the remedy on the observed resource and acts
// as for a secret; the resource is observed again to verify.
func (r *secretRun) remediateResource(ctx context.Context, cr *CheckResult, sub *resourceSubject, rem ResourceRemedy) error {
	plan, perr := rem.Plan(ctx, sub.cfg, sub.r)
	return r.act(ctx, remedyRun{
		id: rem.ID(), plan: plan, perr: perr, noun: "resource",
		apply: func(ctx context.Context) ([]outcome.Call, error) { return rem.Apply(ctx, sub.cfg, plan) },
		verify: func(ctx context.Context) (map[string]scan.Result, error) {
			v, err := sub.observe(ctx)
			if err == nil && sub.r.Gone {
				err = workload.ErrNotFound
			}
			return map[string]scan.Result{cr.Check: v}, err
		},
		gone: func(_, verr error) bool { return errors.Is(verr, workload.ErrNotFound) },
	}, []*CheckResult{cr})
}

// resourceHash identifies a resource's finding: its verdict, annotation
// (which names variables, never values) and fix.
func resourceHash(sr scan.Result) string {
	h := sha256.Sum256([]byte(string(sr.Compliance) + "\n" + sr.Annotation + "\n" + sr.Fix))
	return hex.EncodeToString(h[:12])
}

func (inv *Invocation) countResource(res *Result) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.stats == nil {
		inv.stats = Stats{}
	}
	if res.Gone {
		inv.stats[OutcomeGone]++
	}
	for _, c := range res.Checks {
		inv.stats[c.Outcome]++
	}
}
