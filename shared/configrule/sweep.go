package configrule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// Sweep defaults (see SweepLimits).
const (
	DefaultMinMargin    = 30 * time.Second
	DefaultMarginFactor = 3
	DefaultMaxHops      = 100
	DefaultMaxChainAge  = 24 * time.Hour
)

// SweepLimits shape how a scheduled sweep hands over between invocations.
// Zero fields take the defaults.
type SweepLimits struct {
	// A sweep hands over when the invocation's remaining time falls below
	// max(MinMargin, MarginFactor × the slowest page so far).
	MinMargin    time.Duration
	MarginFactor float64
	// MaxHops bounds the hand-overs of one chain; MaxChainAge bounds the
	// time from the chain's start (the notification time) to its last hop.
	MaxHops     int
	MaxChainAge time.Duration
	// PageSize is ListSecrets' MaxResults (default and max 100).
	PageSize int32
	// Clock times pages and measures the remaining time against the
	// context's deadline (default time.Now); it is read once before the
	// first page and once after each page. Tests make it jump.
	Clock func() time.Time
}

func (l SweepLimits) withDefaults() SweepLimits {
	if l.MinMargin <= 0 {
		l.MinMargin = DefaultMinMargin
	}
	if l.MarginFactor <= 0 {
		l.MarginFactor = DefaultMarginFactor
	}
	if l.MaxHops <= 0 {
		l.MaxHops = DefaultMaxHops
	}
	if l.MaxChainAge <= 0 {
		l.MaxChainAge = DefaultMaxChainAge
	}
	if l.Clock == nil {
		l.Clock = time.Now
	}
	return l
}

// margin is the remaining time below which a sweep hands over.
func (l SweepLimits) margin(slowest time.Duration) time.Duration {
	return max(l.MinMargin, time.Duration(l.MarginFactor*float64(slowest)))
}

// ContinuationKey is the member of the event that carries a Continuation.
const ContinuationKey = "secretguardContinuation"

var errHandOver = errors.New("hand over")

// sweep evaluates every secret of the account and Region, page by page,
// from the continuation's start token, and hands over before the deadline.
func (r *run) sweep(ctx context.Context) error {
	lim := r.e.Sweep.withDefaults()
	ordering := r.inv.Scheduled.NotificationTime
	if ordering.IsZero() {
		ordering = r.e.now()
	}
	chainStart, hop, soFar, startToken := ordering, 0, 0, ""
	if c := r.inv.Event.Continuation; c != nil {
		chainStart, hop, soFar, startToken = c.ChainStartedAt, c.Hop, c.EvaluatedSoFar, c.StartToken
	}
	r.res.Hop = hop
	r.log = r.log.With("hop", hop)
	// The bounds apply to continuations; the first invocation always
	// sweeps (PutEvaluations says whether its token still works).
	if hop > 0 {
		if why := chainLimit(lim, hop, chainStart, r.e.now()); why != "" {
			return r.stop(why, soFar)
		}
	}

	pageStart, slowest, next := lim.Clock(), time.Duration(0), ""
	opts := secret.SweepOptions{StartToken: startToken, IncludePlannedDeletion: true, PageSize: lim.PageSize}
	_, err := r.scanner.Sweep(ctx, opts, func(p scan.Page) error {
		for _, res := range p.Results {
			if err := r.record(ctx, res, "", ordering); err != nil {
				return err
			}
		}
		for _, s := range p.Snapshots {
			if s.Gone {
				r.res.Gone++
			}
		}
		t := lim.Clock()
		slowest, pageStart = max(slowest, t.Sub(pageStart)), t
		if p.NextToken == "" {
			return nil
		}
		if deadline, ok := ctx.Deadline(); ok && deadline.Sub(t) < lim.margin(slowest) {
			next = p.NextToken
			return errHandOver
		}
		return nil
	})
	r.res.EvaluatedInChain = soFar + r.res.Evaluated
	if err != nil && !errors.Is(err, errHandOver) {
		if errors.Is(err, ErrInvalidResultToken) || ctx.Err() != nil {
			return err
		}
		// Keep what was evaluated; a retry of this invocation starts
		// again from its own start token.
		if ferr := r.batch.Flush(ctx); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err
	}
	// Every evaluation is put before the sweep moves on.
	if ferr := r.batch.Flush(ctx); ferr != nil {
		return ferr
	}
	if next == "" {
		r.log.Info("sweep complete", "evaluatedInChain", r.res.EvaluatedInChain)
		return nil
	}
	if why := chainLimit(lim, hop+1, chainStart, r.e.now()); why != "" {
		return r.stop(why, r.res.EvaluatedInChain)
	}
	return r.handOver(ctx, Continuation{StartToken: next, Hop: hop + 1, ChainStartedAt: chainStart, EvaluatedSoFar: r.res.EvaluatedInChain})
}

// chainLimit says why a chain at hop may not go on, or "".
func chainLimit(lim SweepLimits, hop int, started, now time.Time) string {
	switch {
	case hop > lim.MaxHops:
		return fmt.Sprintf("the sweep needs hop %d, more than the %d allowed", hop, lim.MaxHops)
	case now.Sub(started) > lim.MaxChainAge:
		return fmt.Sprintf("the sweep chain started %s ago, longer than the %s allowed", now.Sub(started).Round(time.Second), lim.MaxChainAge)
	}
	return ""
}

// stop ends a chain that hit a bound: logged as an error and counted, but
// not returned as one, since a retry cannot help. The next scheduled run
// starts over.
func (r *run) stop(why string, soFar int) error {
	r.res.Stopped = why + "; the next scheduled run starts over"
	r.log.Error("sweep chain stopped", "reason", why, "evaluatedInChain", soFar)
	return nil
}

// handOver invokes the function itself asynchronously with the original
// event plus the continuation. The SDK retries the call; an error that
// remains is returned, so Lambda's own retry re-runs this invocation.
func (r *run) handOver(ctx context.Context, c Continuation) error {
	if r.e.Invoker == nil || r.functionARN == "" {
		return errors.New("hand over: no Lambda client or no function ARN to invoke")
	}
	payload, err := withContinuation(r.inv.raw, c)
	if err != nil {
		return err
	}
	out, err := r.e.Invoker.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(r.functionARN),
		InvocationType: lambdatypes.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return fmt.Errorf("hand over to %s (hop %d): %w", r.functionARN, c.Hop, err)
	}
	if out != nil && out.StatusCode != 0 && out.StatusCode != 202 {
		return fmt.Errorf("hand over to %s (hop %d): Invoke answered status %d, want 202", r.functionARN, c.Hop, out.StatusCode)
	}
	r.res.HandedOver = true
	r.log.Info("sweep handed over", "nextHop", c.Hop, "evaluatedInChain", c.EvaluatedSoFar)
	return nil
}

// withContinuation returns the original event with the continuation member
// set, keeping every other member as AWS sent it.
func withContinuation(raw []byte, c Continuation) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("hand over: re-read the event: %w", err)
	}
	cj, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	m[ContinuationKey] = cj
	return json.Marshal(m)
}
