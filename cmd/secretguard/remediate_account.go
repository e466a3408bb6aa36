package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/workload"
)

// accountCheckIDs are the account checks (AWS::::Account), which
// remediate --account reconciles.
func accountCheckIDs() []string {
	var out []string
	for _, c := range checks.AllResource() {
		if c.ResourceType() == workload.TypeAccount {
			out = append(out, c.ID())
		}
	}
	return out
}

// remediateChecks resolves --check into the secret checks and the account
// checks to reconcile. An account check needs --account; a function or
// task definition check has no remedy and is a usage error (scan reports
// it, the workloads function tickets it).
func remediateChecks(o remediateOptions) ([]checks.Check, []string, error) {
	cs, rs, err := checks.SelectAny(o.checkIDs)
	if err != nil {
		return nil, nil, usageError{"remediate: --check: " + err.Error()}
	}
	var account []string
	for _, c := range rs {
		switch {
		case c.ResourceType() != workload.TypeAccount && len(o.checkIDs) > 0:
			return nil, nil, usageError{fmt.Sprintf("remediate: --check %s evaluates %s, which has no remedy: see secretguard scan --scope workloads", c.ID(), c.ResourceType())}
		case c.ResourceType() != workload.TypeAccount:
		case !o.account && len(o.checkIDs) > 0:
			return nil, nil, usageError{fmt.Sprintf("remediate: --check %s is an account check: add --account", c.ID())}
		default:
			account = append(account, c.ID())
		}
	}
	if len(o.checkIDs) > 0 && len(cs) == 0 && (o.all || len(o.secrets) > 0) {
		return nil, nil, usageError{"remediate: --check names no secret check, but --secret or --all asks for secrets"}
	}
	switch {
	case !o.account:
		account = nil
	case len(account) == 0:
		return nil, nil, usageError{"remediate: --account, but --check names no account check (" + strings.Join(accountCheckIDs(), ", ") + ")"}
	}
	return cs, account, nil
}

// remediateAccount is the account and Region of remediate --account.
type remediateAccount struct {
	id, region string
	checks     []string
}

// accountTarget identifies the caller's account (the account checks run
// on the account of the credentials, in the configured Region).
func accountTarget(ctx context.Context, cfg aws.Config, ids []string) (remediateAccount, error) {
	id, err := callerAccount(ctx, cfg)
	return remediateAccount{id: id, region: cfg.Region, checks: ids}, err
}

// callerAccount is the account of cfg's credentials.
func callerAccount(ctx context.Context, cfg aws.Config) (string, error) {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("identify the account (sts:GetCallerIdentity): %w", err)
	}
	return aws.ToString(out.Account), nil
}
