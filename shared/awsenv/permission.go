package awsenv

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Accounts hands out an SDK config for an account and Region, assuming
// roleName in accounts other than the caller's own. *Roles satisfies it
// and caches the credentials across invocations.
type Accounts interface {
	For(ctx context.Context, accountID, region, roleName string) (aws.Config, error)
}

var _ Accounts = (*Roles)(nil)

// Where a function's permission must be granted (Permission.Scope).
const (
	// ScopeAccount: in the spoke role of every member account, and in the
	// function's own role for its own account.
	ScopeAccount = "account"
	// ScopeSelf: in the function's role, on the function's own ARN (the
	// evaluator's sweep hand-over).
	ScopeSelf = "self"
	// ScopeSpokeRole: in the function's role, on
	// arn:<partition>:iam::*:role/<spoke role name>.
	ScopeSpokeRole = "spoke-role"
	// ScopeBaseline: in the function's role, on the baseline's SSM
	// parameter (and its KMS key), only when BASELINE is "ssm:<name>".
	ScopeBaseline = "baseline"
)

// Permission is a set of IAM actions a function needs, and where they are
// granted: the packages declare them, the CDK stacks write the policies.
type Permission struct {
	Scope   string
	Actions []string
}
