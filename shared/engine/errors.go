package engine

import (
	"context"
	"errors"
	"net"

	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/awsenv"
)

// Retryable reports whether trying the same event again can help: a
// deadline or cancellation, throttling that outlasted the SDK's retries, a
// server-side fault or a network error. Access denied (an AssumeRole that
// the spoke role's trust policy refuses included), a missing resource, a
// malformed request and any other client-side error are terminal: a retry
// would fail the same way.
func Retryable(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), awsenv.IsThrottle(err):
		return true
	case awsenv.IsAccessDenied(err), awsenv.IsNotFound(err):
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorFault() == smithy.FaultServer
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		return status.HTTPStatusCode() >= 500
	}
	var ne net.Error
	return errors.As(err, &ne)
}
