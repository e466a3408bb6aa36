package engine

import (
	"context"
	"sync"

	"github.com/secretguard/secretguard/shared/secret"
)

// SweepRequest asks for the reconcile of every secret of an account and
// Region.
type SweepRequest struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
	DryRun    bool   `json:"dryRun,omitempty"`
	Trigger   string `json:"trigger,omitempty"`
}

// SweepSummary counts what a sweep did.
type SweepSummary struct {
	AccountID string          `json:"accountId,omitempty"`
	Region    string          `json:"region,omitempty"`
	DryRun    bool            `json:"dryRun,omitempty"`
	Preview   bool            `json:"preview,omitempty"`
	Secrets   int             `json:"secrets"`
	Outcomes  map[Outcome]int `json:"outcomes"`
	// Failed counts secrets whose reconcile returned an error.
	Failed int `json:"failed,omitempty"`
}

// Sweep lists every secret of the account and Region (ListSecrets pages,
// enriched as the checks need) and reconciles each, up to
// Engine.Concurrency at once, sharing the invocation's change cap. fn (if
// not nil) gets each secret's result and error, in list order; an error
// of one secret does not stop the sweep, an error from fn does. The error
// is set when the account cannot be reached or the listing fails.
func (inv *Invocation) Sweep(ctx context.Context, req SweepRequest, fn func(Result, error) error) (SweepSummary, error) {
	sum := SweepSummary{AccountID: req.AccountID, Region: req.Region, DryRun: req.DryRun, Preview: inv.e.Preview && !req.DryRun,
		Outcomes: map[Outcome]int{}}
	cl, err := inv.e.clientsFor(ctx, req.AccountID, req.Region)
	if err != nil {
		return sum, err
	}
	obs := inv.e.observer(cl, req.Region)
	workers := inv.e.Concurrency
	if workers <= 0 {
		workers = 4
	}
	_, err = obs.Sweep(ctx, secret.SweepOptions{}, inv.e.needs(), func(p secret.Page) error {
		results := make([]Result, len(p.Snapshots))
		errs := make([]error, len(p.Snapshots))
		sem := make(chan struct{}, workers)
		var wg sync.WaitGroup
		for i, sn := range p.Snapshots {
			if sn.Gone {
				results[i] = Result{SecretARN: sn.ARN, SecretName: sn.Name, Gone: true, DryRun: req.DryRun, Preview: sum.Preview}
				inv.count(&results[i])
				continue
			}
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				results[i], errs[i] = inv.reconcile(ctx, cl, obs, sn, Request{SecretID: sn.ARN, DryRun: req.DryRun, Trigger: req.Trigger})
			})
		}
		wg.Wait()
		for i, res := range results {
			sum.Secrets++
			if errs[i] != nil {
				sum.Failed++
			}
			for _, c := range res.Checks {
				sum.Outcomes[c.Outcome]++
			}
			if fn != nil {
				if err := fn(res, errs[i]); err != nil {
					return err
				}
			}
		}
		return ctx.Err()
	})
	return sum, err
}
