package revoke

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// SecretsAPI is the set of Secrets Manager methods the revoker calls, with
// the SDK's signatures. There is no GetSecretValue: the revoker never reads
// a secret value.
type SecretsAPI interface {
	ListSecrets(ctx context.Context, in *secretsmanager.ListSecretsInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error)
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetResourcePolicy(ctx context.Context, in *secretsmanager.GetResourcePolicyInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error)
	ListSecretVersionIds(ctx context.Context, in *secretsmanager.ListSecretVersionIdsInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretVersionIdsOutput, error)
	PutResourcePolicy(ctx context.Context, in *secretsmanager.PutResourcePolicyInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutResourcePolicyOutput, error)
	DeleteResourcePolicy(ctx context.Context, in *secretsmanager.DeleteResourcePolicyInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DeleteResourcePolicyOutput, error)
	RotateSecret(ctx context.Context, in *secretsmanager.RotateSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error)
}

var _ SecretsAPI = (*secretsmanager.Client)(nil)

// IAMActions lists every IAM action the revoker needs (each step file
// declares its own), sorted. sts:GetCallerIdentity needs no permission.
var IAMActions = func() []string {
	all := slices.Concat(preflightActions, evidenceActions, denyActions, rotateActions, sessionActions, liftActions, emitActions, stateActions)
	slices.Sort(all)
	return slices.Compact(all)
}()

// Defaults of a Runner.
const (
	DefaultPollInterval   = 5 * time.Second
	DefaultMaxLookupPages = 20 // 50 events a page; LookupEvents allows 2 calls a second
	DefaultLookupTimeout  = 30 * time.Second
	deadlineMargin        = 20 * time.Second
)

// Runner runs revocations. Build its clients from awsenv-instrumented
// configs so that the Secrets Manager limiter applies to the concurrent work.
// A Runner is safe for concurrent use.
type Runner struct {
	Secrets    SecretsAPI
	CloudTrail CloudTrailAPI // nil: the evidence says CloudTrail is unavailable
	IAM        IAMAPI
	STS        STSAPI
	Lambda     LambdaAPI
	RDS        RDSAPI
	Events     EventsAPI
	DynamoDB   DynamoDBAPI
	Table      string // the shared table; required unless dry-run
	EventBus   string // "" is the default bus
	Baseline   *baseline.Baseline
	Region     string // the clients' Region: every secret must be in it

	MaxSecrets     int           // per invocation (default DefaultMaxSecrets)
	PollInterval   time.Duration // DescribeSecret polling while rotating (default 5s)
	MaxLookupPages int           // CloudTrail pages per invocation (default 20)
	LookupTimeout  time.Duration // bound on the CloudTrail lookup (default 30s)
	StateRetention time.Duration // ttl of state items (default 90 days)
	Log            *slog.Logger
	Now            func() time.Time

	// failAfter, when set, makes a step fail after it was saved (tests).
	failAfter func(secretARN, step string) error
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) maxSecrets() int {
	if r.MaxSecrets > 0 {
		return r.MaxSecrets
	}
	return DefaultMaxSecrets
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// run is one invocation.
type run struct {
	*Runner
	req        Request
	id         identity
	breakGlass []string
	store      *store
	trail      *trailLookup
	pre        *recorder
}

// Run validates the request (an error wrapping ErrInvalidRequest, with
// nothing changed, when it is wrong), then revokes every secret
// concurrently and returns the report. Failures of one secret (a rotation
// that does not complete, a denied call) are in the report, not the error;
// the error is for the request, the configuration, and lost state.
func (r *Runner) Run(ctx context.Context, req Request) (*Report, error) {
	if err := req.Validate(r.maxSecrets()); err != nil {
		return nil, err
	}
	if err := r.checkConfig(req.DryRun); err != nil {
		return nil, err
	}
	u := &run{Runner: r, req: req, pre: &recorder{dryRun: req.DryRun}, trail: &trailLookup{}}
	if r.DynamoDB != nil && r.Table != "" {
		ret := r.StateRetention
		if ret <= 0 {
			ret = DefaultStateRetention
		}
		u.store = &store{db: r.DynamoDB, table: r.Table, owner: newOwner(), retention: ret, now: r.now}
	}
	rep := &Report{IncidentID: req.IncidentID, Reason: req.Reason, DryRun: req.DryRun, Started: r.now()}
	targets, err := u.preflight(ctx)
	rep.Preflight = u.pre.take()
	if err != nil {
		return nil, err
	}
	rep.Principal, rep.BreakGlassRoles = u.id.principal, u.breakGlass
	if err := u.acquire(ctx, targets); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(targets))
	for i, t := range targets {
		wg.Go(func() { errs[i] = u.process(ctx, t) })
	}
	wg.Wait()
	errs = append(errs, u.release(targets))
	for _, t := range targets {
		rep.Secrets = append(rep.Secrets, t.item.report)
	}
	rep.Finished = r.now()
	rep.summarize()
	r.log().Info("revoke finished", "incident", req.IncidentID, "dryRun", req.DryRun, "ok", rep.OK, "summary", rep.Summary)
	return rep, errors.Join(errs...)
}

func (r *Runner) checkConfig(dryRun bool) error {
	var missing []string
	for name, ok := range map[string]bool{
		"Secrets": r.Secrets != nil, "IAM": r.IAM != nil, "STS": r.STS != nil, "Lambda": r.Lambda != nil, "RDS": r.RDS != nil,
		"Region": r.Region != "", "Baseline": r.Baseline != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if !dryRun {
		if r.DynamoDB == nil || r.Table == "" {
			missing = append(missing, "the state table (TABLE_NAME)")
		}
		if r.Events == nil {
			missing = append(missing, "Events")
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("revoke: not configured: %s", strings.Join(missing, ", "))
	}
	return nil
}

// leaseUntil is how long this invocation may hold the state items: past the
// Lambda's deadline the invocation is dead anyway.
func (u *run) leaseUntil(ctx context.Context) time.Time {
	until := u.now().Add(2*u.req.RotationTimeout() + 10*time.Minute)
	if d, ok := ctx.Deadline(); ok && d.Add(30*time.Second).Before(until) {
		until = d.Add(30 * time.Second)
	}
	return until
}

// acquire takes every lease, or none.
func (u *run) acquire(ctx context.Context, targets []*target) error {
	if u.req.DryRun {
		return nil
	}
	until := u.leaseUntil(ctx)
	for i, t := range targets {
		if err := u.store.acquire(ctx, u.req.IncidentID, t.snap.ARN, t.item, until); err != nil {
			_ = u.release(targets[:i])
			return err
		}
	}
	return nil
}

func (u *run) release(targets []*target) error {
	if u.req.DryRun {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	for _, t := range targets {
		if t.item.owner == u.store.owner {
			errs = append(errs, u.store.release(ctx, u.req.IncidentID, t.snap.ARN, t.item))
		}
	}
	return errors.Join(errs...)
}

// checkpoint saves the secret's state in the middle of a step.
func (u *run) checkpoint(ctx context.Context, t *target) error {
	if u.req.DryRun {
		return nil
	}
	return u.store.save(ctx, u.req.IncidentID, t.snap.ARN, t.item)
}

type stepFunc func(ctx context.Context, t *target, rec *recorder) (status, summary string, err error)

// process runs the steps that are not done yet for one secret, saving the
// state after each. An error means the state could not be kept: the secret
// stops there and a later invocation resumes it.
func (u *run) process(ctx context.Context, t *target) error {
	rep, p := &t.item.report, &t.item.progress
	rep.SecretARN, rep.SecretName, rep.IncidentID, rep.Reason = t.snap.ARN, t.snap.Name, u.req.IncidentID, u.req.Reason
	rep.DenySid, rep.Problems = DenySid(u.req.IncidentID), nil
	rep.Runs++
	p.CannotRotate = t.cannotRotate
	log := u.log().With("incident", u.req.IncidentID, "secret", t.snap.ARN, "dryRun", u.req.DryRun)
	if rep.Runs > 1 {
		log.Info("resuming", "done", p.Done)
		p.DryRunPlan = fmt.Sprintf("would resume after the steps done (%s)", strings.Join(doneSteps(p), ", "))
	}
	steps := []struct {
		name string
		fn   stepFunc
	}{
		{StepEvidence, u.stepEvidence}, {StepDeny, u.stepDeny}, {StepRotate, u.stepRotate},
		{StepSessions, u.stepSessions}, {StepLift, u.stepLift}, {StepEmit, u.stepEmit},
	}
	for _, s := range steps {
		if p.done(s.name) {
			continue
		}
		rec := &recorder{dryRun: u.req.DryRun}
		started := u.now()
		status, summary, err := s.fn(ctx, t, rec)
		if err != nil {
			log.Error("step aborted", "step", s.name, "error", err.Error())
			p.Err = fmt.Sprintf("stopped at step %s: %v; invoke again with the same incidentId to resume", s.name, err)
			rep.headline(p, u.req.DryRun)
			return fmt.Errorf("%s %s: %w", s.name, t.snap.ARN, err)
		}
		if status == "" { // nothing to do, nothing to record
			continue
		}
		rep.Steps = append(rep.Steps, StepRecord{Step: s.name, Status: status, Started: started, Finished: u.now(), Summary: summary, Calls: rec.take()})
		if status == StepDone && s.name != StepEmit {
			p.markDone(s.name)
		}
		rep.headline(p, u.req.DryRun)
		log.Info("step", "step", s.name, "status", status, "summary", summary)
		if err := u.checkpoint(ctx, t); err != nil {
			return err
		}
		if u.failAfter != nil {
			if err := u.failAfter(t.snap.ARN, s.name); err != nil {
				return err
			}
		}
	}
	return nil
}

// target is one secret of the request, as preflight found it.
type target struct {
	snap         *secret.Snapshot
	strategy     string
	rotationRole string // the rotation function's execution role
	cannotRotate string // why the revoker cannot rotate it ("" when it can)
	rdsKind      string // "instance" or "cluster" for RDS-owned secrets
	rdsID        string
	exempt       []string // aws:PrincipalArn patterns the Deny spares
	item         *stateItem
}

func doneSteps(p *progress) []string {
	var out []string
	for _, s := range []string{StepEvidence, StepDeny, StepRotate, StepSessions, StepLift} {
		if p.done(s) {
			out = append(out, s)
		}
	}
	return out
}
