package revoke

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// STSAPI finds the revoker's own principal.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// IAMAPI checks roles and revokes role sessions.
type IAMAPI interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	PutRolePolicy(ctx context.Context, in *iam.PutRolePolicyInput, optFns ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
}

// LambdaAPI finds a rotation function's execution role.
type LambdaAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
}

var preflightActions = []string{
	"secretsmanager:DescribeSecret", "secretsmanager:ListSecrets", "iam:GetRole", "lambda:GetFunctionConfiguration",
}

// RDS tags on the secrets RDS manages, naming their database.
const (
	TagRDSInstance = "aws:rds:primaryDBInstanceArn"
	TagRDSCluster  = "aws:rds:primaryDBClusterArn"
)

// identity is the revoker's own principal.
type identity struct {
	account, partition string
	principal          string // as aws:PrincipalArn shows it
	role               string // the role ARN when the principal is a role session
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...)
}

// preflight validates the whole request against AWS with reads only and
// returns the targets. Any problem is an error; nothing has changed.
func (u *run) preflight(ctx context.Context) ([]*target, error) {
	if err := u.whoAmI(ctx); err != nil {
		return nil, err
	}
	bgErr := u.checkBreakGlass(ctx)
	snaps, err := u.resolve(ctx)
	if err != nil || bgErr != nil {
		return nil, errors.Join(bgErr, err) // every problem at once
	}
	var targets []*target
	var errs []error
	for _, s := range snaps {
		t, err := u.plan(ctx, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		targets = append(targets, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return targets, nil
}

func (u *run) whoAmI(ctx context.Context) error {
	var out *sts.GetCallerIdentityOutput
	err := u.pre.read("sts", "GetCallerIdentity", nil, func() (err error) {
		out, err = u.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke: find own identity: %w", err)
	}
	a, err := arn.Parse(aws.ToString(out.Arn))
	if err != nil {
		return fmt.Errorf("revoke: own identity %q: %w", aws.ToString(out.Arn), err)
	}
	u.id = identity{account: aws.ToString(out.Account), partition: a.Partition, principal: a.String()}
	if name, ok := strings.CutPrefix(a.Resource, "assumed-role/"); ok && a.Service == "sts" {
		name, _, _ = strings.Cut(name, "/")
		// aws:PrincipalArn of a role session is the role's ARN, path included:
		// GetRole has it; without it the path is assumed empty.
		u.id.principal = awsenv.RoleARN(a.Partition, a.AccountID, name)
		var role *iam.GetRoleOutput
		if err := u.pre.read("iam", "GetRole", params{"RoleName": name}, func() (err error) {
			role, err = u.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
			return err
		}); err == nil && role.Role != nil {
			u.id.principal = aws.ToString(role.Role.Arn)
		}
		u.id.role = u.id.principal
	}
	return nil
}

// checkBreakGlass verifies the request's and the baseline's break-glass
// roles: each in this account must exist with exactly that ARN (path
// included), or the Deny's exemption would not match it.
func (u *run) checkBreakGlass(ctx context.Context) error {
	type bg struct{ arn, source string }
	var roles []bg
	if u.req.BreakGlassRole != "" {
		roles = append(roles, bg{u.req.BreakGlassRole, "breakGlassRole"})
	}
	for _, r := range u.Baseline.BreakGlassRoles {
		roles = append(roles, bg{baseline.Expand(r, u.id.partition, u.Region, u.id.account), "the baseline's breakGlassRoles"})
	}
	var errs []error
	for _, r := range roles {
		if slices.Contains(u.breakGlass, r.arn) {
			continue
		}
		if err := checkRoleARN(r.arn); err != nil {
			errs = append(errs, invalid("%s: %v", r.source, err))
			continue
		}
		a, _ := arn.Parse(r.arn)
		if a.AccountID == u.id.account {
			name := a.Resource[strings.LastIndex(a.Resource, "/")+1:]
			var out *iam.GetRoleOutput
			err := u.pre.read("iam", "GetRole", params{"RoleName": name}, func() (err error) {
				out, err = u.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
				return err
			})
			switch {
			case awsenv.IsNotFound(err):
				errs = append(errs, invalid("%s: role %s does not exist (iam GetRole: NoSuchEntity)", r.source, r.arn))
				continue
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: check role %s: %w", r.source, r.arn, err))
				continue
			case aws.ToString(out.Role.Arn) != r.arn:
				errs = append(errs, invalid("%s: %s does not match the role's ARN %s (path?): the Deny would not exempt it", r.source, r.arn, aws.ToString(out.Role.Arn)))
				continue
			}
		}
		u.breakGlass = append(u.breakGlass, r.arn)
	}
	return errors.Join(errs...)
}

// resolve turns the request's IDs or tag filter into Snapshots, checking
// each can be revoked here.
func (u *run) resolve(ctx context.Context) ([]*secret.Snapshot, error) {
	var snaps []*secret.Snapshot
	var errs []error
	if len(u.req.TagFilter) > 0 {
		var err error
		if snaps, err = u.byTags(ctx); err != nil {
			return nil, err
		}
		if len(snaps) == 0 {
			return nil, invalid("no secret carries the tags %v", u.req.TagFilter)
		}
	}
	obs := &secret.Observer{Client: u.Secrets, Region: u.Region, Now: u.now}
	for _, id := range u.req.Secrets {
		var s *secret.Snapshot
		err := u.pre.read("secretsmanager", "DescribeSecret", params{"SecretId": id}, func() (err error) {
			s, err = obs.Secret(ctx, id, secret.Needs{})
			return err
		})
		switch {
		case errors.Is(err, secret.ErrNotFound):
			errs = append(errs, invalid("secret %s not found in %s", id, u.Region))
		case err != nil:
			errs = append(errs, fmt.Errorf("describe secret %s: %w", id, err))
		default:
			snaps = append(snaps, s)
		}
	}
	seen := map[string]bool{}
	var out []*secret.Snapshot
	for _, s := range snaps {
		if seen[s.ARN] {
			continue
		}
		seen[s.ARN] = true
		switch {
		case s.AccountID != u.id.account || s.Region != u.Region:
			errs = append(errs, invalid("secret %s is in account %s, Region %s: run the revoker there (this is %s, %s)", s.ARN, s.AccountID, s.Region, u.id.account, u.Region))
		case s.ScheduledForDeletion():
			errs = append(errs, invalid("secret %s is scheduled for deletion: restore it first (RestoreSecret) or let it go", s.ARN))
		case s.IsReplica():
			errs = append(errs, invalid("secret %s is a replica: revoke its primary in %s", s.ARN, s.PrimaryRegion))
		default:
			out = append(out, s)
		}
	}
	if n := len(out); n > u.maxSecrets() {
		errs = append(errs, invalid("%d secrets selected; the cap is %d per invocation: split the request", n, u.maxSecrets()))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out, errors.Join(errs...)
}

// byTags lists the secrets carrying every tag of the filter. ListSecrets
// filters keys and values separately, so pairs are checked here.
func (u *run) byTags(ctx context.Context) ([]*secret.Snapshot, error) {
	keys := make([]string, 0, len(u.req.TagFilter))
	for k := range u.req.TagFilter {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	in := &secretsmanager.ListSecretsInput{Filters: []smtypes.Filter{
		{Key: smtypes.FilterNameStringTypeTagKey, Values: []string{keys[0]}},
		{Key: smtypes.FilterNameStringTypeTagValue, Values: []string{u.req.TagFilter[keys[0]]}},
	}}
	var out []*secret.Snapshot
	pages := secretsmanager.NewListSecretsPaginator(u.Secrets, in)
	for pages.HasMorePages() {
		var page *secretsmanager.ListSecretsOutput
		err := u.pre.read("secretsmanager", "ListSecrets", params{"Filters": in.Filters}, func() (err error) {
			page, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list secrets by tag: %w", err)
		}
		for _, e := range page.SecretList {
			s, err := secret.FromListEntry(e, u.now())
			if err != nil {
				return nil, err
			}
			match := true
			for k, v := range u.req.TagFilter {
				if got, ok := s.Tag(k); !ok || got != v {
					match = false
				}
			}
			if match {
				out = append(out, s)
			}
		}
		if len(out) > u.maxSecrets() {
			return nil, invalid("more than %d secrets carry the tags %v; the cap is %d per invocation: narrow the filter", u.maxSecrets(), u.req.TagFilter, u.maxSecrets())
		}
	}
	return out, nil
}

// plan decides how a secret is rotated and whom its Deny spares, and reads
// its state.
func (u *run) plan(ctx context.Context, s *secret.Snapshot) (*target, error) {
	t := &target{snap: s, strategy: baseline.StrategySingleUser}
	if c := u.Baseline.ClassFor(s.Name, s.OwningService, s.Tags); c != nil {
		t.strategy = c.StrategyFor(s.Tags)
	} else if v := s.Tags[baseline.StrategyTag]; v == baseline.StrategyAlternatingUsers {
		t.strategy = v
	}
	t.exempt = append([]string{u.id.principal}, u.breakGlass...)
	switch {
	case strings.EqualFold(s.OwningService, "rds"):
		if v := tagFold(s.Tags, TagRDSInstance); v != "" {
			t.rdsKind, t.rdsID = "instance", rdsIdentifier(v)
		} else if v := tagFold(s.Tags, TagRDSCluster); v != "" {
			t.rdsKind, t.rdsID = "cluster", rdsIdentifier(v)
		}
		if t.rdsID == "" {
			t.cannotRotate = "RDS owns the secret but it has no " + TagRDSInstance + " or " + TagRDSCluster + " tag: rotate the master password in RDS"
		}
	case s.OwningService != "":
		t.cannotRotate = fmt.Sprintf("%s owns the secret: change the credential through %s", s.OwningService, s.OwningService)
	case !s.RotationEnabled || s.RotationLambdaARN == "":
		t.cannotRotate = "no rotation is configured"
	default:
		fn := s.RotationLambdaARN
		var out *lambda.GetFunctionConfigurationOutput
		err := u.pre.read("lambda", "GetFunctionConfiguration", params{"FunctionName": fn}, func() (err error) {
			out, err = u.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: &fn})
			return err
		})
		switch {
		case awsenv.IsNotFound(err):
			t.cannotRotate = "the rotation function " + fn + " does not exist"
		case err != nil:
			return nil, fmt.Errorf("secret %s: find the rotation function's role: %w", s.ARN, err)
		default:
			t.rotationRole = aws.ToString(out.Role)
			t.exempt = append(t.exempt, t.rotationRole)
		}
	}
	if s.OwningService != "" {
		// The owning service's service-linked roles manage the secret.
		t.exempt = append(t.exempt, fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/%s.amazonaws.com/*", s.Partition, s.AccountID, strings.ToLower(s.OwningService)))
	}
	slices.Sort(t.exempt)
	t.exempt = slices.Compact(t.exempt)
	t.item = &stateItem{}
	if u.store != nil {
		it, err := u.store.load(ctx, u.req.IncidentID, s.ARN)
		if err != nil {
			return nil, err
		}
		if !u.req.DryRun && u.store.busy(it) {
			return nil, fmt.Errorf("%w: %s is held until %s; retry then", ErrBusy, s.ARN, it.leaseUntil.UTC().Format("2006-01-02T15:04:05Z"))
		}
		t.item = it
	}
	return t, nil
}

func tagFold(tags map[string]string, key string) string {
	for k, v := range tags {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

// rdsIdentifier returns the identifier in arn:...:rds:...:db:<id> or
// ...:cluster:<id> (or the value itself when it is no ARN).
func rdsIdentifier(v string) string {
	a, err := arn.Parse(v)
	if err != nil {
		return v
	}
	_, id, ok := strings.Cut(a.Resource, ":")
	if !ok {
		return a.Resource
	}
	return id
}
