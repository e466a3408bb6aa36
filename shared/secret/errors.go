package secret

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/awsenv"
)

func isNotFound(err error) bool { return awsenv.IsNotFound(err) }

func isAccessDenied(err error) bool { return awsenv.IsAccessDenied(err) }

// problem describes a failed call of op for Snapshot.Problem: "op: missing
// permission secretsmanager:op (AccessDeniedException)" for access denied,
// "op: Code: message" for other API errors.
func problem(op string, err error) string {
	if msg, ok := awsenv.MissingPermission(err); ok {
		if strings.HasPrefix(msg, "missing permission (") { // the error named no action
			msg = "missing permission secretsmanager:" + op + strings.TrimPrefix(msg, "missing permission")
		}
		return op + ": " + msg
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if awsenv.IsThrottle(err) {
			return op + ": throttled after retries: " + ae.ErrorCode() + ": " + ae.ErrorMessage()
		}
		return op + ": " + ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return op + ": " + err.Error()
}
