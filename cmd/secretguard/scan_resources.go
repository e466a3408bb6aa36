package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/workload/observe"
)

// Scopes of secretguard scan.
const (
	scopeSecrets   = "secrets"
	scopeWorkloads = "workloads"
	scopeAll       = "all"
)

// selectChecks resolves --scope and --check into the secret checks and the
// workload and account checks to run. A check outside the scope is a
// usage error, not silently dropped.
func selectChecks(scope string, ids []string) ([]checks.Check, []checks.ResourceCheck, error) {
	if !slices.Contains([]string{scopeSecrets, scopeWorkloads, scopeAll}, scope) {
		return nil, nil, usageError{fmt.Sprintf("scan: --scope must be secrets, workloads or all, got %q", scope)}
	}
	cs, rs, err := checks.SelectAny(ids)
	if err != nil {
		return nil, nil, usageError{"scan: --check: " + err.Error()}
	}
	switch {
	case scope == scopeSecrets && len(ids) > 0 && len(rs) > 0:
		return nil, nil, usageError{fmt.Sprintf("scan: --check %s is a workload or account check, outside --scope secrets", rs[0].ID())}
	case scope == scopeWorkloads && len(ids) > 0 && len(cs) > 0:
		return nil, nil, usageError{fmt.Sprintf("scan: --check %s is a secret check, outside --scope workloads", cs[0].ID())}
	case scope == scopeSecrets:
		rs = nil
	case scope == scopeWorkloads:
		cs = nil
	}
	return cs, rs, nil
}

// scanResources evaluates the functions, task definitions and account
// settings of one Region with the resource checks.
func scanResources(ctx context.Context, cfg aws.Config, b *baseline.Baseline, rs []checks.ResourceCheck, sum *scan.Summary, out *printer, progress *progress) error {
	account, err := callerAccount(ctx, cfg)
	if err != nil {
		return err
	}
	sc := &scan.ResourceScanner{Observer: observe.New(cfg, account), Baseline: b, Checks: rs, Now: clock}
	defer progress.done()
	return sc.Sweep(ctx, func(p scan.ResourcePage) error {
		sum.Resources += len(p.Resources)
		sum.Add(p.Results)
		progress.update(cfg.Region, "workloads and accounts", sum.Resources)
		return out.results(p.Results)
	})
}
