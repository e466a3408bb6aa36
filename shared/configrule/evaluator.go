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

// Invoker is the Lambda method a sweep hands over with.
type Invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ Invoker = (*lambda.Client)(nil)

// Evaluator turns Config rule events into evaluations. Build one per
// process; Handle serves one invocation at a time.
type Evaluator struct {
	Baseline *baseline.Baseline
	Accounts awsenv.Accounts
	// RoleName is the spoke role assumed in other accounts.
	RoleName string
	// NewConfig and NewSecrets build clients from an account's config
	// (default: the SDK clients). Tests pass fakes.
	NewConfig  func(aws.Config) ConfigAPI
	NewSecrets func(aws.Config) secret.SecretsAPI
	// NewWorkload builds the observer of the workload and account checks
	// for an account (observe.Factory; nil: their rules fail, naming it).
	NewWorkload func(cfg aws.Config, accountID string) scan.ResourceObserver
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
	if rc, ok := checks.ResourceByID(inv.Params.Check); ok {
		return r.handleResource(ctx, rc)
	}
	if inv.Item != nil && inv.Item.ResourceType != ResourceType {
		r.res.Skipped = fmt.Sprintf("resource type %s is not %s: scope the rule to %s", inv.Item.ResourceType, ResourceType, ResourceType)
		r.log.Warn("event skipped", "reason", r.res.Skipped, "resourceId", inv.Item.ResourceID)
		return nil
	}
	cfg, b, err := r.target(ctx)
	if err != nil {
		return err
	}
	check, _ := checks.ByID(inv.Params.Check) // Decode checked it
	r.scanner = &scan.Scanner{
		Observer: &secret.Observer{Client: r.e.newSecrets(cfg), Region: r.res.Region, Concurrency: r.e.Concurrency, Now: r.e.Now},
		Baseline: b, Checks: []checks.Check{check}, Now: r.e.Now,
	}
	r.batch = &Batcher{Client: r.e.newConfig(cfg), ResultToken: inv.Event.ResultToken, MaxAttempts: r.e.PutAttempts, Backoff: r.e.PutBackoff}
	if inv.Scheduled != nil {
		return r.stopOnInvalidToken(r.sweep(ctx))
	}
	return r.stopOnInvalidToken(r.change(ctx))
}

// target returns the config of the rule's account and Region and the
// baseline with the rule's overrides.
func (r *run) target(ctx context.Context) (aws.Config, *baseline.Baseline, error) {
	if r.res.Region == "" {
		return aws.Config{}, nil, errors.New("the event names no Region (no configRuleArn and no awsRegion)")
	}
	cfg, err := r.e.Accounts.For(ctx, r.res.Account, r.res.Region, r.e.RoleName)
	if err != nil {
		return aws.Config{}, nil, fmt.Errorf("account %s, %s: %w", r.res.Account, r.res.Region, err)
	}
	b, err := r.inv.Params.Apply(r.e.Baseline)
	if err != nil {
		return aws.Config{}, nil, fmt.Errorf("rule %s: %w", r.res.Rule, err)
	}
	return cfg, b, nil
}

// stopOnInvalidToken ends a run whose ResultToken Config rejected without
// an error (no retry can help), and passes any other error on.
func (r *run) stopOnInvalidToken(err error) error {
	if !errors.Is(err, ErrInvalidResultToken) {
		return err
	}
	r.invalidTok = true
	r.res.Stopped = "AWS Config rejected the ResultToken (InvalidResultTokenException); the next scheduled run starts over"
	r.log.Error("result token rejected", "error", err.Error(), "hop", r.res.Hop)
	return nil
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

// itemNote is the annotation of the NOT_APPLICABLE verdict a change
// notification gives without an API call, or "": the resource (noun: "secret",
// "resource") left the rule's scope, was deleted or is no longer recorded.
func (r *run) itemNote(noun string) string {
	ci := r.inv.Item
	switch {
	case r.inv.Event.EventLeftScope:
		return "The " + noun + " is no longer in the rule's scope."
	case ci.Status == StatusResourceDeleted, ci.Status == StatusResourceDeletedNotRecorded:
		return "The " + noun + " was deleted."
	case ci.Status == StatusResourceNotRecorded:
		return "AWS Config no longer records this " + noun + "."
	}
	return ""
}

// goneNote is the annotation for a resource the item names that no longer
// exists when observed.
func goneNote(noun string) string {
	return "The " + noun + " no longer exists (deleted after the configuration item was recorded)."
}

// itemIDs returns the OrderingTimestamp of a change notification's
// evaluations (the item's capture time) and the resource ID they name
// (Config's resourceId, else the ARN).
func (r *run) itemIDs() (time.Time, string) {
	ci := r.inv.Item
	ordering := ci.CaptureTime
	if ordering.IsZero() {
		ordering = r.e.now()
	}
	if ci.ResourceID != "" {
		return ordering, ci.ResourceID
	}
	return ordering, ci.ARN
}

// change evaluates the one secret of a (possibly oversized) change
// notification, re-observed live because the configuration item may lag.
func (r *run) change(ctx context.Context) error {
	id := r.inv.Item.SecretID()
	return r.changeOf(ctx, "secret", ResourceType, id, secret.ErrNotFound, func(ctx context.Context) ([]scan.Result, error) {
		_, results, err := r.scanner.Secret(ctx, id)
		return results, err
	})
}

// changeOf evaluates the one resource of a change notification: a
// NOT_APPLICABLE verdict without a call when the item says deleted,
// unrecorded or out of scope, or when observe fails with gone; nothing but
// a log line when access is denied; else the observed results.
func (r *run) changeOf(ctx context.Context, noun, resourceType, subject string, gone error, observe func(context.Context) ([]scan.Result, error)) error {
	ordering, resourceID := r.itemIDs()
	why := r.itemNote(noun)
	if why == "" {
		results, err := observe(ctx)
		switch {
		case errors.Is(err, gone):
			why = goneNote(noun)
			r.res.Gone++
		case awsenv.IsAccessDenied(err):
			msg, _ := awsenv.MissingPermission(err)
			r.res.Evaluated++
			r.res.Incomplete++
			key := "resourceId"
			if noun == "secret" {
				key = "secretArn"
			}
			r.log.Warn("not evaluated", key, subject, "annotation", "could not observe the "+noun+": "+msg)
			return nil
		case err != nil:
			return fmt.Errorf("observe %s: %w", subject, err)
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
		ev := NewResourceEvaluation(resourceType, resourceID, types.ComplianceTypeNotApplicable, why, ordering)
		r.logEvaluation(subject, ev)
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
		r.log.Warn("not evaluated", "secretArn", res.Subject(), "compliance", string(res.Compliance), "annotation", res.Annotation)
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
	r.logEvaluation(res.Subject(), ev)
	return r.batch.Add(ctx, ev)
}
