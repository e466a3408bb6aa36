package configrule

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
)

// ConfigAPI is the one AWS Config method the evaluator calls, with the
// SDK's signature. moto implements PutEvaluations only with TestMode set,
// so tests record calls with a fake instead.
type ConfigAPI interface {
	PutEvaluations(ctx context.Context, in *configservice.PutEvaluationsInput, optFns ...func(*configservice.Options)) (*configservice.PutEvaluationsOutput, error)
}

var _ ConfigAPI = (*configservice.Client)(nil)

// IAMActions are the IAM actions the Batcher calls. In a member account they
// belong to the spoke role: a rule's evaluations must be put by a principal
// of the rule's own account.
var IAMActions = []string{"config:PutEvaluations"}

// MaxBatch is the most evaluations PutEvaluations takes in one call.
const MaxBatch = 100

// ToEvaluation turns a scan Result into a Config evaluation of resourceID
// ("" means the secret's ARN). The annotation is truncated to Config's 256
// characters and left out when empty: Config rejects an empty annotation.
//
// A result of a workload or account check is an evaluation of its own
// resource type, and "" means its resource ID.
func ToEvaluation(r scan.Result, resourceID string, ordering time.Time) types.Evaluation {
	if r.ResourceType != "" {
		if resourceID == "" {
			resourceID = r.ResourceID
		}
		return NewResourceEvaluation(r.ResourceType, resourceID, types.ComplianceType(r.Compliance), r.Annotation, ordering)
	}
	if resourceID == "" {
		resourceID = r.SecretARN
	}
	return NewEvaluation(resourceID, types.ComplianceType(r.Compliance), r.Annotation, ordering)
}

// NewEvaluation builds an evaluation of a secret.
func NewEvaluation(resourceID string, c types.ComplianceType, annotation string, ordering time.Time) types.Evaluation {
	return NewResourceEvaluation(ResourceType, resourceID, c, annotation, ordering)
}

// NewResourceEvaluation builds an evaluation of a resource of any type.
func NewResourceEvaluation(resourceType, resourceID string, c types.ComplianceType, annotation string, ordering time.Time) types.Evaluation {
	ev := types.Evaluation{
		ComplianceResourceType: aws.String(resourceType),
		ComplianceResourceId:   aws.String(resourceID),
		ComplianceType:         c,
		OrderingTimestamp:      aws.Time(ordering.UTC()),
	}
	if a := checks.Truncate(strings.TrimSpace(annotation)); a != "" {
		ev.Annotation = aws.String(a)
	}
	return ev
}

// ErrInvalidResultToken is wrapped by the Batcher's error when Config
// rejects the ResultToken (InvalidResultTokenException): no retry can help,
// and a handed-over sweep must stop.
var ErrInvalidResultToken = errors.New("AWS Config rejected the ResultToken")

// Batcher sends evaluations with PutEvaluations, at most MaxBatch a call, all
// with one ResultToken. It retries what Config lists in FailedEvaluations
// and throttling that outlasted the SDK's own retries, both a bounded number
// of times. A Batcher is not safe for concurrent use.
type Batcher struct {
	Client      ConfigAPI
	ResultToken string
	// TestMode sets PutEvaluations' TestMode (nothing is recorded).
	TestMode bool
	// MaxAttempts bounds the calls for one batch, first included
	// (default 5).
	MaxAttempts int
	// Backoff is the wait before retry n (1-based); default exponential
	// from 200 ms with jitter, capped at 5 s.
	Backoff func(n int) time.Duration

	// Calls counts PutEvaluations calls, retries included; Sent counts
	// evaluations Config accepted.
	Calls int
	Sent  int
	// Unprocessed holds evaluations Config still listed as failed after
	// the last attempt.
	Unprocessed []types.Evaluation

	pending []types.Evaluation
}

// Pending returns the number of evaluations added but not yet sent.
func (b *Batcher) Pending() int { return len(b.pending) }

// Add queues evaluations and sends every full batch.
func (b *Batcher) Add(ctx context.Context, evs ...types.Evaluation) error {
	b.pending = append(b.pending, evs...)
	for len(b.pending) >= MaxBatch {
		batch := b.pending[:MaxBatch:MaxBatch]
		b.pending = b.pending[MaxBatch:]
		if err := b.send(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// Flush sends what is queued. An empty queue makes no call.
func (b *Batcher) Flush(ctx context.Context) error {
	for len(b.pending) > 0 {
		n := min(len(b.pending), MaxBatch)
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		if err := b.send(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

func (b *Batcher) send(ctx context.Context, batch []types.Evaluation) error {
	attempts := b.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	todo := batch
	for n := 1; ; n++ {
		in := &configservice.PutEvaluationsInput{Evaluations: todo, ResultToken: aws.String(b.ResultToken)}
		if b.TestMode {
			in.TestMode = true
		}
		b.Calls++
		out, err := b.Client.PutEvaluations(ctx, in)
		switch {
		case err == nil:
			var failed []types.Evaluation
			if out != nil {
				failed = out.FailedEvaluations
			}
			b.Sent += len(todo) - len(failed)
			if len(failed) == 0 {
				return nil
			}
			todo = failed
			if n >= attempts {
				b.Unprocessed = append(b.Unprocessed, failed...)
				return nil
			}
		case awsenv.ErrorCode(err) == "InvalidResultTokenException":
			return fmt.Errorf("PutEvaluations: %w: %w", ErrInvalidResultToken, err)
		case ctx.Err() != nil:
			return ctx.Err()
		case !awsenv.IsThrottle(err) || n >= attempts:
			return fmt.Errorf("PutEvaluations (%d evaluations, attempt %d): %w", len(todo), n, err)
		}
		if err := sleep(ctx, b.backoff(n)); err != nil {
			return err
		}
	}
}

func (b *Batcher) backoff(n int) time.Duration {
	if b.Backoff != nil {
		return b.Backoff(n)
	}
	d := min(200*time.Millisecond<<(n-1), 5*time.Second)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
