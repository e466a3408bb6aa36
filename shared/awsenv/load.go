package awsenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Defaults for Options.
const (
	DefaultMaxAttempts = 8
	DefaultMaxBackoff  = 20 * time.Second
)

// ErrNoRegion is returned by Load when no Region is configured anywhere.
var ErrNoRegion = errors.New("no AWS Region: set --region or AWS_REGION")

// Options configures Load.
type Options struct {
	Region      string        // overrides AWS_REGION and the profile's region
	Budget      Budget        // zero fields take DefaultBudget values
	Counter     *Counter      // nil: no counting
	Limiter     *Limiter      // nil: NewLimiter(Budget)
	MaxAttempts int           // attempts per call, retries included; 0: DefaultMaxAttempts
	MaxBackoff  time.Duration // cap on one retry delay; 0: DefaultMaxBackoff
}

// Load loads the default config (credential chain, shared config, endpoint
// settings such as AWS_ENDPOINT_URL) with an adaptive retryer, and installs
// the rate-limit and counting middleware (Instrument) on every client built
// from it. It fails with ErrNoRegion when no Region is configured.
func Load(ctx context.Context, opts Options) (aws.Config, error) {
	var lo []func(*config.LoadOptions) error
	if opts.Region != "" {
		lo = append(lo, config.WithRegion(opts.Region))
	}
	maxAttempts, maxBackoff := opts.MaxAttempts, opts.MaxBackoff
	lo = append(lo, config.WithRetryer(func() aws.Retryer {
		return NewRetryer(maxAttempts, maxBackoff)
	}))
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	l := opts.Limiter
	if l == nil {
		l = NewLimiter(opts.Budget)
	}
	Instrument(&cfg, l, opts.Counter)
	return cfg, nil
}

// NewRetryer returns the adaptive retryer Load installs: throttling and
// transient errors (5xx, timeouts, connection errors) are retried up to
// maxAttempts attempts with exponential backoff capped at maxBackoff, and the
// client slows its own send rate after throttling. Zero values take the
// defaults.
//
// The SDK's retry quota (a 500-token bucket per client that fails calls with
// "retry quota exceeded" during long throttling) is disabled: a batch Lambda
// should wait, not fail, and the Limiter and the adaptive send rate already
// keep retries from storming. Secrets Manager's LimitExceededException (a
// resource quota, such as too many versions) is not retried, although the
// SDK counts that code as throttling.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.Throttles = append([]retry.IsErrorThrottle{notThrottle}, o.Throttles...)
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = maxAttempts
			so.MaxBackoff = maxBackoff
			so.RateLimiter = ratelimit.None
			so.Retryables = append([]retry.IsErrorRetryable{notRetryable}, so.Retryables...)
			so.Throttles = append([]retry.IsErrorThrottle{notThrottle}, so.Throttles...)
		})
	})
}

func isResourceQuota(err error) bool {
	var le *smtypes.LimitExceededException
	return errors.As(err, &le)
}

var notRetryable = retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	if isResourceQuota(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})

var notThrottle = retry.IsErrorThrottleFunc(func(err error) aws.Ternary {
	if isResourceQuota(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})
