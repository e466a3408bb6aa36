package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/metrics"
)

// selfAccount is the part of awsenv.Roles the handler feeds with the
// function's own account (from the invoked ARN), saving an STS call.
type selfAccount interface{ SetSelfAccount(id string) }

// Handler translates invocations into engine calls: one Invocation (and so
// one change cap) per Lambda invocation. It runs the Triggers its function
// serves and skips the others (Serves.Skip).
type Handler struct {
	// Serves is what the function serves; a Trigger it does not serve is
	// skipped, naming the function that does.
	Serves       Serves
	Engine       *engine.Engine
	Roles        selfAccount
	Log          *slog.Logger
	Metrics      *metrics.Logger
	Counter      *awsenv.Counter
	FunctionName string

	once sync.Once
}

// Response is the function's result for one payload.
type Response struct {
	Kind    string               `json:"kind"`
	Skipped string               `json:"skipped,omitempty"`
	Result  *engine.Result       `json:"result,omitempty"`
	Sweep   *engine.SweepSummary `json:"sweep,omitempty"`
	// Error is set when the payload could not be handled; Retryable says
	// whether trying again can help.
	Error     string `json:"error,omitempty"`
	Retryable bool   `json:"retryable,omitempty"`
}

// Handle is the Lambda handler. An SQS batch returns the records to retry
// as batchItemFailures (only those whose error is retryable: a malformed
// message or an account whose role refuses us is logged and dropped). Any
// other payload returns its Response; a terminal error is in the Response
// (no retry storm), a retryable one is returned as the function's error, so
// that Lambda's asynchronous retries and the on-failure destination apply.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	if lc, ok := lambdacontext.FromContext(ctx); ok && h.Roles != nil {
		if a, err := arn.Parse(lc.InvokedFunctionArn); err == nil {
			h.once.Do(func() { h.Roles.SetSelfAccount(a.AccountID) })
		}
	}
	start := time.Now()
	var before map[string]int64
	var throttles int64
	if h.Counter != nil {
		before, throttles = h.Counter.Counts(), h.Counter.Throttles()
	}
	inv := h.Engine.Start()
	st := &invocationStats{}
	defer func() { h.emitMetrics(inv, st, before, throttles, time.Since(start)) }()

	if batch, ok := sqsBatch(payload); ok {
		return h.batch(ctx, inv, batch, st), nil
	}
	resp := h.one(ctx, inv, payload, h.log(), st)
	if resp.Retryable {
		return nil, errors.New(resp.Error)
	}
	return resp, nil
}

func (h *Handler) batch(ctx context.Context, inv *engine.Invocation, batch *events.SQSEvent, st *invocationStats) events.SQSEventResponse {
	out := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, r := range batch.Records {
		log := h.log().With("sqsMessageId", r.MessageId)
		if ctx.Err() != nil { // out of time: SQS redrives the rest
			out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			continue
		}
		if resp := h.one(ctx, inv, []byte(r.Body), log, st); resp.Retryable {
			out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return out
}

// one handles one payload and logs what happened (IDs, ARNs, decisions,
// never values).
func (h *Handler) one(ctx context.Context, inv *engine.Invocation, payload []byte, log *slog.Logger, st *invocationStats) Response {
	tr, err := Decode(payload)
	resp := Response{Kind: tr.Kind}
	if err == nil && tr.Skip == "" {
		tr.Skip = h.Serves.Skip(tr)
	}
	switch {
	case err != nil:
		st.add(&st.bad)
		resp.Error = err.Error()
		log.Error("rejected event", "kind", tr.Kind, "error", resp.Error, "retryable", false)
		return resp
	case tr.Skip != "":
		st.add(&st.skipped)
		resp.Skipped = tr.Skip
		log.Info("event ignored", "kind", tr.Kind, "reason", tr.Skip)
		return resp
	}
	if tr.NoDryRun && h.Engine.Preview {
		log.Warn("DRY_RUN is on: the request's \"dryRun\": false is ignored; this is a preview, "+h.Serves.unchanged(), "kind", tr.Kind)
	}
	switch {
	case tr.Sweep != nil:
		sum, err := inv.Sweep(ctx, *tr.Sweep, func(res engine.Result, err error) error {
			if err != nil {
				st.add(&st.errors)
				log.Error("secret not reconciled", "secretArn", res.SecretARN, "error", err.Error(), "retryable", engine.Retryable(err))
			}
			return nil
		})
		resp.Sweep = &sum
		h.fail(&resp, err, log, st, "account", tr.Sweep.AccountID, "region", tr.Sweep.Region)
		return resp
	case tr.Resource != nil:
		res, err := inv.ReconcileResource(ctx, *tr.Resource)
		resp.Result = &res
		h.fail(&resp, err, log, st, "resourceType", tr.Resource.ResourceType, "resourceId", tr.Resource.ResourceID, "trigger", tr.Resource.Trigger)
		return resp
	}
	res, err := inv.Reconcile(ctx, *tr.Request)
	resp.Result = &res
	h.fail(&resp, err, log, st, "secretId", tr.Request.SecretID, "trigger", tr.Request.Trigger)
	return resp
}

// fail puts err into the response and logs it, terminal or retryable.
func (h *Handler) fail(resp *Response, err error, log *slog.Logger, st *invocationStats, attrs ...any) {
	if err == nil {
		return
	}
	st.add(&st.errors)
	resp.Error, resp.Retryable = err.Error(), engine.Retryable(err)
	log.Error("reconcile failed", append(attrs, "kind", resp.Kind, "error", resp.Error, "retryable", resp.Retryable)...)
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}
