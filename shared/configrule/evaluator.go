package configrule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/metrics"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// Accounts hands out an SDK config for an account and Region, assuming
// roleName in accounts other than the caller's own. *awsenv.Roles
// satisfies it and caches the credentials across invocations.
type Accounts interface {
	For(ctx context.Context, accountID, region, roleName string) (aws.Config, error)
}

var _ Accounts = (*awsenv.Roles)(nil)

// Invoker is the Lambda method a sweep hands over with.
type Invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ Invoker = (*lambda.Client)(nil)

// Evaluator turns Config rule events into evaluations. Build one per
// process; Handle serves one invocation at a time.
type Evaluator struct {
	Baseline *baseline.Baseline
	Accounts Accounts
	// RoleName is the spoke role assumed in other accounts.
	RoleName string
	// NewConfig and NewSecrets build clients from an account's config
	// (default: the SDK clients). Tests pass fakes.
	NewConfig  func(aws.Config) ConfigAPI
	NewSecrets func(aws.Config) secret.SecretsAPI
	// Invoker hands a sweep over to the next invocation; it uses the
	// function's own credentials.
	Invoker Invoker
	// Counter is the call counter installed on every config (optional).
	Counter *awsenv.Counter
	Log     *slog.Logger
	Metrics *metrics.Logger
	// FunctionName is the Function dimension of the metrics.
	FunctionName string
	Sweep        SweepLimits
	// PutAttempts and PutBackoff tune the Batcher (see Batcher).
	PutAttempts int
	PutBackoff  func(n int) time.Duration
	// Concurrency is the Observer's worker count per page.
	Concurrency int
	// Now is the clock of evaluations (default time.Now).
	Now func() time.Time
}

// Result is what Handle returns, and the function's JSON result.
type Result struct {
	Rule          string `json:"rule"`
	Check         string `json:"check"`
	MessageType   string `json:"messageType"`
	Account       string `json:"account,omitempty"`
	Region        string `json:"region,omitempty"`
	Evaluated     int    `json:"evaluated"`
	Compliant     int    `json:"compliant"`
	NonCompliant  int    `json:"nonCompliant"`
	NotApplicable int    `json:"notApplicable"`
	// Incomplete counts secrets that could not be evaluated and were left
	// out of PutEvaluations (see the package documentation).
	Incomplete int `json:"incomplete"`
	// Gone counts secrets deleted while they were being evaluated.
	Gone        int  `json:"gone,omitempty"`
	Sent        int  `json:"sent"`
	PutCalls    int  `json:"putCalls"`
	Unprocessed int  `json:"unprocessed,omitempty"`
	HandedOver  bool `json:"handedOver"`
	Hop         int  `json:"hop,omitempty"`
	// EvaluatedInChain counts the secrets of a sweep chain so far,
	// this invocation included.
	EvaluatedInChain int `json:"evaluatedInChain,omitempty"`
	// Skipped says why an event was deliberately not evaluated.
	Skipped string `json:"skipped,omitempty"`
	// Stopped says why a sweep chain ended early (invalid ResultToken,
	// too many hops, too old).
	Stopped    string           `json:"stopped,omitempty"`
	APICalls   map[string]int64 `json:"apiCalls"`
	Throttles  int64            `json:"throttles"`
	DurationMs int64            `json:"durationMs"`
}

func (e *Evaluator) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Evaluator) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

// run is the state of one invocation.
type run struct {
	e           *Evaluator
	inv         *Invocation
	log         *slog.Logger
	res         *Result
	scanner     *scan.Scanner
	batch       *Batcher
	functionARN string
	badEvent    bool
	invalidTok  bool
}

// Handle serves one Config event. functionARN is the ARN the function was
// invoked with (lambdacontext's InvokedFunctionArn), which a sweep invokes
// to hand over. An event that cannot be identified as a secretguard rule
// event is an error and no evaluation is written.
func (e *Evaluator) Handle(ctx context.Context, payload []byte, functionARN string) (Result, error) {
	start := time.Now()
	var before map[string]int64
	var throttles int64
	if e.Counter != nil {
		before, throttles = e.Counter.Counts(), e.Counter.Throttles()
	}
	r := &run{e: e, res: &Result{}, functionARN: functionARN, log: e.log()}
	err := r.handle(ctx, payload)
	r.res.DurationMs = time.Since(start).Milliseconds()
	r.res.APICalls = map[string]int64{}
	if e.Counter != nil {
		for k, v := range e.Counter.Counts() {
			if d := v - before[k]; d > 0 {
				r.res.APICalls[k] = d
			}
		}
		r.res.Throttles = e.Counter.Throttles() - throttles
	}
	if r.batch != nil {
		r.res.PutCalls, r.res.Sent, r.res.Unprocessed = r.batch.Calls, r.batch.Sent, len(r.batch.Unprocessed)
	}
	r.emitMetrics(time.Since(start))
	if err != nil {
		r.log.Error("invocation failed", "error", err.Error())
	} else {
		r.log.Info("invocation done", "result", r.res)
	}
	return *r.res, err
}

func (r *run) handle(ctx context.Context, payload []byte) error {
	inv, err := Decode(payload)
	if err != nil {
		r.badEvent = true
		return err
	}
	r.inv = inv
	r.res.Rule, r.res.Check, r.res.MessageType = inv.RuleName(), inv.Params.Check, inv.MessageType
	r.res.Account, r.res.Region = inv.AccountID(), inv.Region()
	r.log = r.log.With("rule", r.res.Rule, "check", r.res.Check, "account", r.res.Account, "region", r.res.Region)
	if inv.Item != nil && inv.Item.ResourceType != ResourceType {
		r.res.Skipped = fmt.Sprintf("resource type %s is not %s: scope the rule to %s", inv.Item.ResourceType, ResourceType, ResourceType)
		r.log.Warn("event skipped", "reason", r.res.Skipped, "resourceId", inv.Item.ResourceID)
		return nil
	}
	if r.res.Region == "" {
		return errors.New("the event names no Region (no configRuleArn and no awsRegion)")
	}
	cfg, err := r.e.Accounts.For(ctx, r.res.Account, r.res.Region, r.e.RoleName)
	if err != nil {
		return fmt.Errorf("account %s, %s: %w", r.res.Account, r.res.Region, err)
	}
	b, err := inv.Params.Apply(r.e.Baseline)
	if err != nil {
		return fmt.Errorf("rule %s: %w", r.res.Rule, err)
	}
	check, _ := checks.ByID(inv.Params.Check) // Decode checked it
	r.scanner = &scan.Scanner{
		Observer: &secret.Observer{Client: r.e.newSecrets(cfg), Region: r.res.Region, Concurrency: r.e.Concurrency, Now: r.e.Now},
		Baseline: b, Checks: []checks.Check{check}, Now: r.e.Now,
	}
	r.batch = &Batcher{Client: r.e.newConfig(cfg), ResultToken: inv.Event.ResultToken, MaxAttempts: r.e.PutAttempts, Backoff: r.e.PutBackoff}
	if inv.Scheduled != nil {
		err = r.sweep(ctx)
	} else {
		err = r.change(ctx)
	}
	if errors.Is(err, ErrInvalidResultToken) {
		r.invalidTok = true
		r.res.Stopped = "AWS Config rejected the ResultToken (InvalidResultTokenException); the next scheduled run starts over"
		r.log.Error("result token rejected", "error", err.Error(), "hop", r.res.Hop)
		return nil // no retry can help
	}
	return err
}

func (e *Evaluator) newSecrets(cfg aws.Config) secret.SecretsAPI {
	if e.NewSecrets != nil {
		return e.NewSecrets(cfg)
	}
	return secretsmanager.NewFromConfig(cfg)
}

func (e *Evaluator) newConfig(cfg aws.Config) ConfigAPI {
	if e.NewConfig != nil {
		return e.NewConfig(cfg)
	}
	return configservice.NewFromConfig(cfg)
}

// Annotations of NOT_APPLICABLE verdicts the evaluator gives itself.
const (
	noteLeftScope   = "The secret is no longer in the rule's scope."
	noteDeleted     = "The secret was deleted."
	noteNotRecorded = "AWS Config no longer records this secret."
	noteGone        = "The secret no longer exists (deleted after the configuration item was recorded)."
)

// change evaluates the one secret of a (possibly oversized) change
// notification, re-observed live because the configuration item may lag.
func (r *run) change(ctx context.Context) error {
	ci := r.inv.Item
	ordering := ci.CaptureTime
	if ordering.IsZero() {
		ordering = r.e.now()
	}
	resourceID := ci.ResourceID
	if resourceID == "" {
		resourceID = ci.ARN
	}
	var why string
	switch {
	case r.inv.Event.EventLeftScope:
		why = noteLeftScope
	case ci.Status == StatusResourceDeleted, ci.Status == StatusResourceDeletedNotRecorded:
		why = noteDeleted
	case ci.Status == StatusResourceNotRecorded:
		why = noteNotRecorded
	}
	if why == "" {
		_, results, err := r.scanner.Secret(ctx, ci.SecretID())
		switch {
		case errors.Is(err, secret.ErrNotFound):
			why = noteGone
			r.res.Gone++
		case awsenv.IsAccessDenied(err):
			msg, _ := awsenv.MissingPermission(err)
			r.res.Evaluated++
			r.res.Incomplete++
			r.log.Warn("not evaluated", "secretArn", ci.SecretID(), "annotation", "could not observe the secret: "+msg)
			return nil
		case err != nil:
			return fmt.Errorf("observe %s: %w", ci.SecretID(), err)
		}
		for _, res := range results {
			if err := r.record(ctx, res, resourceID, ordering); err != nil {
				return err
			}
		}
	}
	if why != "" {
		r.res.Evaluated++
		r.res.NotApplicable++
		ev := NewEvaluation(resourceID, types.ComplianceTypeNotApplicable, why, ordering)
		r.logEvaluation(ci.SecretID(), ev)
		if err := r.batch.Add(ctx, ev); err != nil {
			return err
		}
	}
	return r.batch.Flush(ctx)
}

// record counts a result and queues its evaluation; an incomplete result
// is logged and left out.
func (r *run) record(ctx context.Context, res scan.Result, resourceID string, ordering time.Time) error {
	r.res.Evaluated++
	if res.Incomplete {
		r.res.Incomplete++
		r.log.Warn("not evaluated", "secretArn", res.SecretARN, "compliance", string(res.Compliance), "annotation", res.Annotation)
		return nil
	}
	switch res.Compliance {
	case checks.Compliant:
		r.res.Compliant++
	case checks.NonCompliant:
		r.res.NonCompliant++
	default:
		r.res.NotApplicable++
	}
	ev := ToEvaluation(res, resourceID, ordering)
	r.logEvaluation(res.SecretARN, ev)
	return r.batch.Add(ctx, ev)
}
