package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/outcome"
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

// noResourceRemedy is the Why of a remediate-mode resource finding.
const noResourceRemedy = "The check's mode is remediate, but no remedy is wired for workload and account checks: a person must."

// AccountARN identifies an account in one Region (the subject of the
// AWS::::Account checks, which are evaluated per Region) in events and the
// ledger: arn:<partition>:iam:<region>:<account>:root.
func AccountARN(partition, region, account string) string {
	return "arn:" + partition + ":iam:" + region + ":" + account + ":root"
}

// ReconcileResource observes one resource, evaluates the check on it and
// acts by the check's mode: report logs only; ticket and remediate send
// one Secret Needs Attention (no remedy exists for these checks),
// deduplicated by the ledger's latest verdict of (resource ARN, check); a
// check that passes again after a recorded NON_COMPLIANT verdict sends
// Secret Compliant. A resource that no longer exists is a no-op
// (Result.Gone). Result.SecretARN is the resource's ARN.
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
	r, results, err := sc.Resource(ctx, req.ResourceType, req.ResourceID)
	if errors.Is(err, workload.ErrNotFound) || (err == nil && r.Gone) {
		res.Gone = true
		e.log().Info("resource gone", "resourceType", req.ResourceType, "resourceId", req.ResourceID, "account", req.AccountID,
			"region", req.Region, "trigger", req.Trigger)
		inv.countResource(&res)
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("observe %s %s: %w", req.ResourceType, req.ResourceID, err)
	}
	if len(results) != 1 {
		return res, fmt.Errorf("check %s gave %d results for %s", req.Check, len(results), req.ResourceID)
	}
	return inv.reconcileResource(ctx, r, results[0], req)
}

func (inv *Invocation) reconcileResource(ctx context.Context, r *workload.Resource, sr scan.Result, req ResourceRequest) (Result, error) {
	e := inv.e
	id := r.ARN
	if r.Type == workload.TypeAccount || id == "" {
		id = AccountARN(r.Partition, r.Region, r.AccountID)
	}
	// The resource stands where a secret would: the same ledger items,
	// events and deduplication.
	sn := &secret.Snapshot{ARN: id, Name: r.Name, AccountID: r.AccountID, Region: r.Region, Partition: r.Partition, Tags: r.Tags}
	run := &secretRun{inv: inv, e: e, req: Request{SecretID: id, AccountID: r.AccountID, Region: r.Region, Trigger: req.Trigger},
		sn: sn, hash: resourceHash(sr), now: sr.EvaluatedAt,
		res: &Result{SecretARN: id, SecretName: r.Name, AccountID: r.AccountID, Region: r.Region}}
	if run.now.IsZero() {
		run.now = e.now()
	}
	run.log = e.log().With("resourceArn", id, "resourceType", r.Type, "account", r.AccountID, "region", r.Region, "trigger", req.Trigger)
	cr := CheckResult{Check: sr.Check, Compliance: sr.Compliance, Annotation: sr.Annotation, Mode: sr.Mode, Incomplete: sr.Incomplete}
	cr.Decision, cr.Why = Decide(Facts{Compliance: sr.Compliance, Waived: sr.Waived, Mode: sr.Mode})
	if cr.Decision == DecideTicket && sr.Mode == baseline.ModeRemediate {
		cr.Why = noResourceRemedy
	}
	err := run.resourceCheck(ctx, &cr, sr)
	run.res.Checks = []CheckResult{cr}
	if ferr := run.flush(ctx); err == nil {
		err = ferr
	}
	inv.countResource(run.res)
	run.log.Info("decision", "check", cr.Check, "compliance", string(cr.Compliance), "mode", cr.Mode, "decision", string(cr.Decision),
		"outcome", string(cr.Outcome), "id", cr.ID, "why", cr.Why, "event", cr.Event)
	if err != nil {
		run.log.Error("reconcile failed", "error", err.Error())
	}
	return *run.res, err
}

func (r *secretRun) resourceCheck(ctx context.Context, cr *CheckResult, sr scan.Result) error {
	if r.e.Ledger != nil {
		var err error
		if r.latest, err = r.e.Ledger.Latest(ctx, r.sn.ARN); err != nil {
			return err
		}
	}
	switch cr.Decision {
	case DecideNothing, DecideWaived:
		return r.settle(ctx, cr)
	case DecideReport:
		cr.Outcome = OutcomeReported
		return nil
	}
	// Ticket (a remediate mode has no remedy here): the finding's recipe,
	// once per verdict on this state.
	cr.Outcome, cr.Fix = OutcomeTicketed, sr.Fix
	cr.Waiver = WaiverTag(r.e.Baseline, cr.Check, r.now)
	key := verdictKey(string(DecideTicket), cr.Why, r.hash)
	if r.unchanged(cr, key) {
		return nil
	}
	cr.ID = r.newID("tkt", cr.Check)
	if won, err := r.setLatest(ctx, cr, OutcomeTicketed, key); !won {
		return err
	}
	return r.record(ctx, cr, outcome.TypeNeedsAttention, nil, nil)
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
