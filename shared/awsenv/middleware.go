package awsenv

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Middleware IDs, for callers that inspect a stack.
const (
	LimiterMiddlewareID = "secretguard.RateLimit"
	CounterMiddlewareID = "secretguard.CallCounter"
)

// retryMiddlewareID is the ID of the SDK's retry loop in the Finalize step
// (aws/retry.Attempt).
const retryMiddlewareID = "Retry"

// Instrument adds the rate-limit middleware for l and the counting middleware
// for c to every client later built from cfg. A non-nil l or c replaces one
// installed by an earlier Instrument on the same (or a copied) config; a nil
// one leaves any earlier middleware of that kind in place.
//
// The limiter goes right after the SDK's "Retry" middleware, so every attempt
// waits for a token before credentials are resolved and the request signed.
// The counter goes at the end of the Finalize step, also inside the retry
// loop, so it counts attempts that were actually sent and sees each
// attempt's deserialized error.
func Instrument(cfg *aws.Config, l *Limiter, c *Counter) {
	if l == nil && c == nil {
		return
	}
	// Full slice expression: never append into a backing array shared with
	// the config this one was copied from.
	opts := cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)]
	cfg.APIOptions = append(opts, func(stack *middleware.Stack) error {
		if l != nil {
			if err := replace(stack, &limitMiddleware{l: l}, true); err != nil {
				return err
			}
		}
		if c != nil {
			if err := replace(stack, &countMiddleware{c: c}, false); err != nil {
				return err
			}
		}
		return nil
	})
}

func replace(stack *middleware.Stack, m middleware.FinalizeMiddleware, afterRetry bool) error {
	if _, ok := stack.Finalize.Get(m.ID()); ok {
		if _, err := stack.Finalize.Remove(m.ID()); err != nil {
			return err
		}
	}
	if !afterRetry {
		return stack.Finalize.Add(m, middleware.After)
	}
	if _, ok := stack.Finalize.Get(retryMiddlewareID); ok {
		return stack.Finalize.Insert(m, retryMiddlewareID, middleware.After)
	}
	return stack.Finalize.Add(m, middleware.Before) // a client without retries
}

// instruments returns the Limiter and Counter Instrument installed on cfg
// (nil when none), for the callers that do not go through an SDK client
// (JSONClient): cfg's API options are applied to an empty stack and read
// back.
func instruments(cfg aws.Config) (*Limiter, *Counter) {
	stack := middleware.NewStack("awsenv-probe", smithyhttp.NewStackRequest)
	for _, fn := range cfg.APIOptions {
		_ = fn(stack) // options for steps an empty stack lacks fail: only ours matter
	}
	var l *Limiter
	var c *Counter
	if m, ok := stack.Finalize.Get(LimiterMiddlewareID); ok {
		if lm, ok := m.(*limitMiddleware); ok {
			l = lm.l
		}
	}
	if m, ok := stack.Finalize.Get(CounterMiddlewareID); ok {
		if cm, ok := m.(*countMiddleware); ok {
			c = cm.c
		}
	}
	return l, c
}

func callKey(ctx context.Context) (service, operation string) {
	return serviceName(awsmiddleware.GetServiceID(ctx)), awsmiddleware.GetOperationName(ctx)
}

type limitMiddleware struct{ l *Limiter }

func (*limitMiddleware) ID() string { return LimiterMiddlewareID }

func (m *limitMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	service, op := callKey(ctx)
	if err := m.l.Wait(ctx, service, op); err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{},
			fmt.Errorf("client rate limit for %s:%s: %w", service, op, err)
	}
	return next.HandleFinalize(ctx, in)
}

type countMiddleware struct{ c *Counter }

func (*countMiddleware) ID() string { return CounterMiddlewareID }

func (m *countMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	out, md, err := next.HandleFinalize(ctx, in)
	service, op := callKey(ctx)
	m.c.record(service+":"+op, err != nil && IsThrottle(err))
	return out, md, err
}
