package awsenv

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func opErr(service, op string, err error) error {
	return fmt.Errorf("observer: %w", &smithy.OperationError{ServiceID: service, OperationName: op, Err: err})
}

func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}

func TestErrorClassification(t *testing.T) {
	status429 := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 429}},
		Err:      errors.New("unmodeled"),
	}}
	tests := []struct {
		name                       string
		err                        error
		code                       string
		throttle, denied, notFound bool
		permission                 string
	}{
		{name: "nil"},
		{name: "plain", err: errors.New("boom")},
		{name: "ThrottlingException", err: opErr("Secrets Manager", "ListSecrets", apiErr("ThrottlingException", "Rate exceeded")),
			code: "ThrottlingException", throttle: true},
		{name: "Throttling (query)", err: opErr("STS", "AssumeRole", apiErr("Throttling", "")), code: "Throttling", throttle: true},
		{name: "TooManyRequestsException", err: opErr("Lambda", "Invoke", apiErr("TooManyRequestsException", "")),
			code: "TooManyRequestsException", throttle: true},
		{name: "RequestLimitExceeded", err: apiErr("RequestLimitExceeded", ""), code: "RequestLimitExceeded", throttle: true},
		{name: "HTTP 429", err: opErr("Config Service", "SelectResourceConfig", status429), throttle: true},
		{name: "LimitExceeded is a quota", err: opErr("Secrets Manager", "PutSecretValue", &smtypes.LimitExceededException{}),
			code: "LimitExceededException"},
		{name: "AccessDeniedException", err: opErr("Secrets Manager", "ListSecrets", apiErr("AccessDeniedException", "")),
			code: "AccessDeniedException", denied: true, permission: "missing permission secretsmanager:ListSecrets (AccessDeniedException)"},
		{name: "STS AccessDenied", err: opErr("STS", "AssumeRole", apiErr("AccessDenied", "")),
			code: "AccessDenied", denied: true, permission: "missing permission sts:AssumeRole (AccessDenied)"},
		{name: "Config service prefix", err: opErr("Config Service", "PutConfigRule", apiErr("AccessDeniedException", "")),
			code: "AccessDeniedException", denied: true, permission: "missing permission config:PutConfigRule (AccessDeniedException)"},
		{name: "action named in message", err: opErr("Secrets Manager", "GetSecretValue", apiErr("AccessDeniedException",
			"User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:...")),
			code: "AccessDeniedException", denied: true, permission: "missing permission kms:Decrypt (AccessDeniedException)"},
		{name: "UnauthorizedOperation", err: opErr("EC2", "DescribeRegions", apiErr("UnauthorizedOperation", "")),
			code: "UnauthorizedOperation", denied: true, permission: "missing permission ec2:DescribeRegions (UnauthorizedOperation)"},
		{name: "denied without operation", err: apiErr("AccessDenied", ""), code: "AccessDenied", denied: true,
			permission: "missing permission (AccessDenied)"},
		{name: "ResourceNotFoundException", err: opErr("Secrets Manager", "DescribeSecret", &smtypes.ResourceNotFoundException{}),
			code: "ResourceNotFoundException", notFound: true},
		{name: "NoSuchEntity", err: opErr("IAM", "GetRole", apiErr("NoSuchEntity", "")), code: "NoSuchEntity", notFound: true},
		{name: "Config NoSuch", err: apiErr("NoSuchConfigRuleException", ""), code: "NoSuchConfigRuleException", notFound: true},
		{name: "validation", err: opErr("Secrets Manager", "CreateSecret", apiErr("ValidationException", "")), code: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := IsThrottle(tt.err); got != tt.throttle {
				t.Errorf("IsThrottle = %v, want %v", got, tt.throttle)
			}
			if got := IsAccessDenied(tt.err); got != tt.denied {
				t.Errorf("IsAccessDenied = %v, want %v", got, tt.denied)
			}
			if got := IsNotFound(tt.err); got != tt.notFound {
				t.Errorf("IsNotFound = %v, want %v", got, tt.notFound)
			}
			msg, ok := MissingPermission(tt.err)
			if ok != tt.denied || msg != tt.permission {
				t.Errorf("MissingPermission = %q, %v; want %q, %v", msg, ok, tt.permission, tt.denied)
			}
		})
	}
}
