// Package awsenv is the AWS SDK configuration shared by every secretguard
// Lambda and the CLI.
//
// Load builds an aws.Config from the default credential chain (environment,
// shared config and profiles, SSO, web identity, container and IMDS
// credentials) and honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>
// as the SDK does natively. Every client built from it gets:
//
//   - an adaptive retryer (retry.NewAdaptiveMode) that retries throttling and
//     transient errors with capped exponential backoff, up to
//     Options.MaxAttempts attempts;
//   - a client-side rate limiter (Limiter) that keeps each Secrets Manager
//     API family under its per-account, per-Region quota (Budget);
//   - an optional call Counter that counts every attempt, retries included,
//     by "service:Operation", and the throttling errors among them.
//
// Both middlewares sit in the Finalize step inside the SDK's retry loop (the
// limiter right after the "Retry" middleware, before signing; the counter at
// the end of the step), so they run once per attempt, not once per
// operation: a retried call waits for a token again and is counted again.
//
// Roles hands out configs for other accounts through STS AssumeRole, caching
// each (role, Region) config and its credentials for the life of the process
// so that warm Lambda invocations reuse them. Each account and Region gets its
// own Limiter because Secrets Manager quotas are per account and Region.
//
// The error helpers (IsThrottle, IsAccessDenied, IsNotFound, ErrorCode,
// MissingPermission) classify errors by their AWS error code, so they work on
// any service's errors, modeled or not, wrapped or not.
package awsenv
