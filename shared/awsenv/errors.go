package awsenv

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"
)

var throttleCodes = map[string]bool{
	"Throttling":                             true,
	"ThrottlingException":                    true,
	"ThrottledException":                     true,
	"RequestThrottledException":              true,
	"TooManyRequestsException":               true,
	"ProvisionedThroughputExceededException": true,
	"RequestLimitExceeded":                   true,
	"BandwidthLimitExceeded":                 true,
	"RequestThrottled":                       true,
	"SlowDown":                               true,
	"EC2ThrottledException":                  true,
	"PriorRequestNotComplete":                true,
}

var accessDeniedCodes = map[string]bool{
	"AccessDeniedException": true,
	"AccessDenied":          true,
	"UnauthorizedOperation": true,
	"AuthorizationError":    true,
}

var notFoundCodes = map[string]bool{
	"ResourceNotFoundException": true,
	"NotFoundException":         true,
	"NoSuchEntity":              true,
	"NoSuchEntityException":     true,
	"ParameterNotFound":         true,
}

// ErrorCode returns the AWS error code of err (from a smithy.APIError
// anywhere in its chain), or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// IsThrottle reports whether err is a request-rate throttling error: one of
// the SDK's throttling codes or an HTTP 429. LimitExceededException is not
// one: in Secrets Manager and most services it is a resource quota.
func IsThrottle(err error) bool {
	if err == nil {
		return false
	}
	if throttleCodes[ErrorCode(err)] {
		return true
	}
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusTooManyRequests
}

// IsAccessDenied reports whether err is an authorization failure
// (AccessDeniedException, STS and IAM's AccessDenied, ...).
func IsAccessDenied(err error) bool { return accessDeniedCodes[ErrorCode(err)] }

// IsNotFound reports whether err says the resource does not exist
// (ResourceNotFoundException, IAM's NoSuchEntity, Config's NoSuch...Exception).
func IsNotFound(err error) bool {
	code := ErrorCode(err)
	return notFoundCodes[code] || strings.HasPrefix(code, "NoSuch")
}

// deniedAction finds the IAM action in messages such as "User: arn:... is
// not authorized to perform: kms:Decrypt on resource: ...".
var deniedAction = regexp.MustCompile(`not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9]+)`)

// MissingPermission turns an access-denied error into a message naming the
// IAM action, such as "missing permission secretsmanager:ListSecrets
// (AccessDeniedException)". The action comes from the error message when it
// names one (it can differ from the operation: GetSecretValue may be denied
// kms:Decrypt), otherwise from the operation that failed. ok is false when
// err is not an access-denied error.
func MissingPermission(err error) (msg string, ok bool) {
	if !IsAccessDenied(err) {
		return "", false
	}
	code := ErrorCode(err)
	action := ""
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if m := deniedAction.FindStringSubmatch(ae.ErrorMessage()); m != nil {
			action = m[1]
		}
	}
	var oe *smithy.OperationError
	if action == "" && errors.As(err, &oe) {
		action = serviceName(oe.ServiceID) + ":" + oe.OperationName
	}
	if action == "" {
		return fmt.Sprintf("missing permission (%s)", code), true
	}
	return fmt.Sprintf("missing permission %s (%s)", action, code), true
}
