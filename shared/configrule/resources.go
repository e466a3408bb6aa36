package configrule

import (
	"context"
	"fmt"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/workload"
)

// handleResource serves a rule of a workload or account check: a change
// notification of the check's resource type evaluates that resource, a
// scheduled notification sweeps every resource of the type (for an
// AWS::::Account check: the account in the Region, one evaluation). Rules
// on AWS::::Account are periodic only, so their change notifications are
// skipped, as are items of another type (the rule's scope is wrong).
func (r *run) handleResource(ctx context.Context, c checks.ResourceCheck) error {
	inv := r.inv
	if inv.Item != nil {
		switch {
		case c.ResourceType() == workload.TypeAccount:
			r.res.Skipped = fmt.Sprintf("check %s evaluates %s, whose rules are periodic only: remove the change trigger", c.ID(), workload.TypeAccount)
		case inv.Item.ResourceType != c.ResourceType():
			r.res.Skipped = fmt.Sprintf("resource type %s is not %s: scope the rule to %s", inv.Item.ResourceType, c.ResourceType(), c.ResourceType())
		}
		if r.res.Skipped != "" {
			r.log.Warn("event skipped", "reason", r.res.Skipped, "resourceId", inv.Item.ResourceID)
			return nil
		}
	}
	if inv.Event.Continuation != nil {
		return fmt.Errorf("check %s does not hand over sweeps: unexpected %s", c.ID(), ContinuationKey)
	}
	if r.e.NewWorkload == nil {
		return fmt.Errorf("check %s: this evaluator does not observe workloads (Evaluator.NewWorkload is not set)", c.ID())
	}
	cfg, b, err := r.target(ctx)
	if err != nil {
		return err
	}
	sc := &scan.ResourceScanner{Observer: r.e.NewWorkload(cfg, r.res.Account), Baseline: b, Checks: []checks.ResourceCheck{c}, Now: r.e.Now}
	r.batch = &Batcher{Client: r.e.newConfig(cfg), ResultToken: inv.Event.ResultToken, MaxAttempts: r.e.PutAttempts, Backoff: r.e.PutBackoff}
	if inv.Scheduled != nil {
		return r.stopOnInvalidToken(r.resourceSweep(ctx, sc))
	}
	return r.stopOnInvalidToken(r.resourceChange(ctx, sc, c))
}

// resourceSweep evaluates every resource of the check's type.
func (r *run) resourceSweep(ctx context.Context, sc *scan.ResourceScanner) error {
	ordering := r.inv.Scheduled.NotificationTime
	if ordering.IsZero() {
		ordering = r.e.now()
	}
	err := sc.Sweep(ctx, func(p scan.ResourcePage) error {
		for _, res := range p.Results {
			if err := r.record(ctx, res, "", ordering); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sweep %s: %w", r.res.Check, err)
	}
	return r.batch.Flush(ctx)
}

// resourceChange evaluates the one resource of a change notification,
// re-observed live.
func (r *run) resourceChange(ctx context.Context, sc *scan.ResourceScanner, c checks.ResourceCheck) error {
	ci := r.inv.Item
	id := ci.ARN
	if id == "" {
		id = ci.ResourceID
	}
	if id == "" {
		id = ci.ResourceName
	}
	if id == "" && r.itemNote("resource") == "" {
		return fmt.Errorf("the configuration item of %s has no ARN, resourceId or resourceName", ci.ResourceType)
	}
	return r.changeOf(ctx, "resource", ci.ResourceType, id, workload.ErrNotFound, func(ctx context.Context) ([]scan.Result, error) {
		_, results, err := sc.Resource(ctx, c.ResourceType(), id)
		return results, err
	})
}
