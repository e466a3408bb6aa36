package awsenv

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	// RoleSessionDuration is requested for assumed roles: the longest STS
	// allows under role chaining (a Lambda's own credentials are a role
	// session) and the shortest maximum a role can have.
	RoleSessionDuration = time.Hour
	// RoleRefreshWindow is how long before expiry cached role credentials
	// are refreshed.
	RoleRefreshWindow = 5 * time.Minute
)

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// Partition returns the AWS partition of region: "aws-cn" for cn-*,
// "aws-us-gov" for us-gov-*, "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f",
// "aws-eusc" for the isolated and sovereign Regions, and "aws" otherwise.
// Pseudo-regions such as "aws-us-gov-global" map to their partition.
func Partition(region string) string {
	if p, ok := strings.CutSuffix(region, "-global"); ok && strings.HasPrefix(p, "aws") {
		return p
	}
	for _, m := range []struct{ prefix, partition string }{
		{"cn-", "aws-cn"},
		{"us-gov-", "aws-us-gov"},
		{"us-iso-", "aws-iso"},
		{"us-isob-", "aws-iso-b"},
		{"eu-isoe-", "aws-iso-e"},
		{"us-isof-", "aws-iso-f"},
		{"eusc-", "aws-eusc"},
	} {
		if strings.HasPrefix(region, m.prefix) {
			return m.partition
		}
	}
	return "aws"
}

// RoleARN returns arn:<partition>:iam::<accountID>:role/<roleName>. roleName
// may include a path ("secretguard/spoke" or "/secretguard/spoke").
func RoleARN(partition, accountID, roleName string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, accountID, strings.TrimPrefix(roleName, "/"))
}

// Roles hands out SDK configs per account and Region, assuming a role in
// accounts other than the caller's own. It caches each config, with its
// credentials cache and Limiter, for the life of the process: keep one Roles
// in a package variable so warm Lambda invocations reuse it. Safe for
// concurrent use.
type Roles struct {
	base        aws.Config
	sessionName string
	counter     *Counter
	budget      Budget

	selfMu sync.Mutex
	self   string

	mu       sync.Mutex
	configs  map[string]*roleEntry // by role ARN (or "self") + Region
	limiters map[string]*Limiter   // by account + Region
}

type roleEntry struct {
	ready chan struct{}
	cfg   aws.Config
	err   error
}

// NewRoles returns a Roles that assumes roles with base's credentials.
// sessionName is the STS role session name (default "secretguard"). STS calls
// and calls made with the returned configs are counted in counter (if not
// nil) and limited by a Limiter per account and Region built from budget.
func NewRoles(base aws.Config, sessionName string, counter *Counter, budget Budget) *Roles {
	if sessionName == "" {
		sessionName = "secretguard"
	}
	return &Roles{
		base: base, sessionName: sessionName, counter: counter, budget: budget,
		configs: map[string]*roleEntry{}, limiters: map[string]*Limiter{},
	}
}

// SetSelfAccount tells Roles the caller's own account, saving the
// GetCallerIdentity call.
func (r *Roles) SetSelfAccount(id string) {
	r.selfMu.Lock()
	defer r.selfMu.Unlock()
	r.self = id
}

// selfAccount returns the caller's account, asking STS once.
func (r *Roles) selfAccount(ctx context.Context, region string) (string, error) {
	r.selfMu.Lock()
	defer r.selfMu.Unlock()
	if r.self != "" {
		return r.self, nil
	}
	cfg := r.base.Copy()
	cfg.Region = region
	Instrument(&cfg, nil, r.counter)
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("find own account: %w", err)
	}
	r.self = aws.ToString(out.Account)
	return r.self, nil
}

// For returns the config for accountID in region: base itself (with Region
// set) for the caller's own account, otherwise a config whose credentials come
// from assuming RoleARN(Partition(region), accountID, roleName). The role is
// assumed before For returns, so a missing trust or permission shows here.
// Configs are cached per role and Region; a failure is not cached.
func (r *Roles) For(ctx context.Context, accountID, region, roleName string) (aws.Config, error) {
	if region == "" {
		region = r.base.Region
	}
	if region == "" {
		return aws.Config{}, ErrNoRegion
	}
	self, err := r.selfAccount(ctx, region)
	if err != nil {
		return aws.Config{}, err
	}
	if accountID == "" || accountID == self {
		if region == r.base.Region {
			return r.base, nil
		}
		return r.cached(ctx, "self|"+region, func() (aws.Config, error) {
			cfg := r.base.Copy()
			cfg.Region = region
			Instrument(&cfg, r.limiter(self, region), r.counter)
			return cfg, nil
		})
	}
	if !accountIDPattern.MatchString(accountID) {
		return aws.Config{}, fmt.Errorf("invalid AWS account ID %q", accountID)
	}
	if strings.Trim(roleName, "/") == "" {
		return aws.Config{}, fmt.Errorf("no role name to assume in account %s", accountID)
	}
	arn := RoleARN(Partition(region), accountID, roleName)
	return r.cached(ctx, arn+"|"+region, func() (aws.Config, error) {
		stsCfg := r.base.Copy()
		stsCfg.Region = region
		Instrument(&stsCfg, r.limiter(self, region), r.counter)
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(stsCfg), arn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = r.sessionName
			o.Duration = RoleSessionDuration
		})
		cfg := r.base.Copy()
		cfg.Region = region
		cfg.Credentials = aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) {
			o.ExpiryWindow = RoleRefreshWindow
		})
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return aws.Config{}, fmt.Errorf("assume role %s: %w", arn, err)
		}
		Instrument(&cfg, r.limiter(accountID, region), r.counter)
		return cfg, nil
	})
}

// cached returns the config under key, building it once; concurrent callers
// for the same key wait for one build. Failed builds are forgotten.
func (r *Roles) cached(ctx context.Context, key string, build func() (aws.Config, error)) (aws.Config, error) {
	r.mu.Lock()
	e, ok := r.configs[key]
	if !ok {
		e = &roleEntry{ready: make(chan struct{})}
		r.configs[key] = e
		r.mu.Unlock()
		e.cfg, e.err = build()
		if e.err != nil {
			r.mu.Lock()
			delete(r.configs, key)
			r.mu.Unlock()
		}
		close(e.ready)
		return e.cfg, e.err
	}
	r.mu.Unlock()
	select {
	case <-e.ready:
		return e.cfg, e.err
	case <-ctx.Done():
		return aws.Config{}, ctx.Err()
	}
}

// limiter returns the Limiter of account+region, creating it on first use.
func (r *Roles) limiter(account, region string) *Limiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := account + "|" + region
	l, ok := r.limiters[key]
	if !ok {
		l = NewLimiter(r.budget)
		r.limiters[key] = l
	}
	return l
}

// DefaultSpokeRolePrefix is the default prefix of the roles the hub
// functions assume in member accounts (SpokeRole).
const DefaultSpokeRolePrefix = "secretguard-spoke"

// SpokeRole is the role a hub function (evaluator, remediator, workloads)
// assumes in member accounts: <prefix>-<function>, holding only that
// function's actions, as the CDK stacks deploy it.
func SpokeRole(prefix, function string) string { return prefix + "-" + function }
