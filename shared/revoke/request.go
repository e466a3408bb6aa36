package revoke

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretguard/secretguard/shared/secret"
)

// Defaults and bounds of a Request.
const (
	DefaultMaxSecrets      = 20
	DefaultLookbackHours   = 24
	MaxLookbackHours       = 90 * 24 // CloudTrail event history keeps 90 days
	DefaultRotationTimeout = 5 * time.Minute
	MaxRotationTimeout     = time.Hour
	maxReasonLen           = 1024
)

// ErrInvalidRequest is wrapped by every error about the request itself: bad
// fields, unknown secrets, a break-glass role that does not exist. Nothing
// has changed when Run returns it.
var ErrInvalidRequest = errors.New("invalid revoke request")

// Request is what an incident responder sends to the revoker (aws lambda
// invoke, a runbook step, or `secretguard revoke`). Its JSON form is a
// contract; see events/revoker for samples.
type Request struct {
	// Secrets are secret names or ARNs. Exactly one of Secrets and TagFilter.
	Secrets []string `json:"secrets,omitempty"`
	// TagFilter selects every secret carrying all these tags (exact values).
	TagFilter map[string]string `json:"tagFilter,omitempty"`
	// Reason is why access is revoked; it goes into the report and the ticket.
	Reason string `json:"reason"`
	// IncidentID names the incident: letters, digits, '.', '_' and '-'.
	// Invoking again with the same ID resumes.
	IncidentID string `json:"incidentId"`
	// DryRun makes every read and records every write without making it.
	DryRun bool `json:"dryRun,omitempty"`
	// RevokeSessions adds AWSRevokeOlderSessions to the roles that read the
	// secret in the look-back window (needs CloudTrail).
	RevokeSessions bool `json:"revokeSessions,omitempty"`
	// KeepDeny keeps the Deny statement after a successful rotation.
	KeepDeny bool `json:"keepDeny,omitempty"`
	// BreakGlassRole is a role ARN the Deny exempts, in addition to the
	// baseline's breakGlassRoles. It must exist.
	BreakGlassRole string `json:"breakGlassRole,omitempty"`
	// LookbackHours is how far back CloudTrail is searched for readers
	// (default 24, at most 2160).
	LookbackHours int `json:"lookbackHours,omitempty"`
	// RotationTimeoutSeconds bounds the wait for each rotation (default 300,
	// at most 3600; a Lambda's deadline bounds it further).
	RotationTimeoutSeconds int `json:"rotationTimeoutSeconds,omitempty"`
}

// DecodeRequest decodes one JSON request strictly (unknown fields, trailing
// data and wrong types are errors) and validates it with Validate(max).
func DecodeRequest(data []byte, max int) (Request, error) {
	var r Request
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("%w: not a revoke request: %v", ErrInvalidRequest, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Request{}, fmt.Errorf("%w: trailing data after the request", ErrInvalidRequest)
	}
	// encoding/json matches field names case-insensitively; the contract
	// does not: "dryrun" is a typo, not dryRun.
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(data, &fields)
	for k := range fields {
		if !slices.Contains(requestFields, k) {
			return Request{}, fmt.Errorf("%w: unknown field %q (field names are case-sensitive: %s)", ErrInvalidRequest, k, strings.Join(requestFields, ", "))
		}
	}
	if err := r.Validate(max); err != nil {
		return Request{}, err
	}
	return r, nil
}

// requestFields are the JSON names of Request's fields.
var requestFields = func() []string {
	var out []string
	t := reflect.TypeFor[Request]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}()

var incidentPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate checks the request's shape without calling AWS: every problem is
// reported at once, joined, each wrapping ErrInvalidRequest. max caps the
// number of secrets (0: DefaultMaxSecrets). Secrets are trimmed and
// deduplicated in place.
func (r *Request) Validate(max int) error {
	if max <= 0 {
		max = DefaultMaxSecrets
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...))
	}
	r.Reason = strings.TrimSpace(r.Reason)
	switch {
	case r.Reason == "":
		bad("reason is required: say why access is revoked")
	case len(r.Reason) > maxReasonLen:
		bad("reason is %d characters long, at most %d", len(r.Reason), maxReasonLen)
	}
	switch {
	case r.IncidentID == "":
		bad("incidentId is required: it names the state that makes a second invocation resume")
	case !incidentPattern.MatchString(r.IncidentID):
		bad("incidentId %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", r.IncidentID)
	}
	var ids []string
	given := len(r.Secrets)
	for _, id := range r.Secrets {
		id = strings.TrimSpace(id)
		if err := checkSecretID(id); err != nil {
			bad("secrets: %v", err)
			continue
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	r.Secrets = ids
	switch {
	case given == 0 && len(r.TagFilter) == 0:
		bad("name the secrets: secrets (IDs or ARNs) or tagFilter")
	case len(r.Secrets) > 0 && len(r.TagFilter) > 0:
		bad("give secrets or tagFilter, not both")
	case len(r.Secrets) > max:
		bad("%d secrets named; the cap is %d per invocation: split the request", len(r.Secrets), max)
	}
	for k, v := range r.TagFilter {
		if k == "" || len(k) > 128 || len(v) > 256 {
			bad("tagFilter: key %q / value %q: keys are 1-128 characters, values at most 256", k, v)
		}
	}
	if r.BreakGlassRole != "" {
		if err := checkRoleARN(r.BreakGlassRole); err != nil {
			bad("breakGlassRole: %v", err)
		}
	}
	if r.LookbackHours < 0 || r.LookbackHours > MaxLookbackHours {
		bad("lookbackHours %d: want 1-%d (0: %d)", r.LookbackHours, MaxLookbackHours, DefaultLookbackHours)
	}
	if r.RotationTimeoutSeconds < 0 || time.Duration(r.RotationTimeoutSeconds)*time.Second > MaxRotationTimeout {
		bad("rotationTimeoutSeconds %d: want 1-%d (0: %d)", r.RotationTimeoutSeconds,
			int(MaxRotationTimeout/time.Second), int(DefaultRotationTimeout/time.Second))
	}
	return errors.Join(errs...)
}

// Lookback returns the CloudTrail look-back window.
func (r *Request) Lookback() time.Duration {
	if r.LookbackHours > 0 {
		return time.Duration(r.LookbackHours) * time.Hour
	}
	return DefaultLookbackHours * time.Hour
}

// RotationTimeout returns the bound on the wait for one rotation.
func (r *Request) RotationTimeout() time.Duration {
	if r.RotationTimeoutSeconds > 0 {
		return time.Duration(r.RotationTimeoutSeconds) * time.Second
	}
	return DefaultRotationTimeout
}

// checkSecretID accepts a secret name (no ':') or a Secrets Manager ARN.
func checkSecretID(id string) error {
	switch {
	case id == "":
		return errors.New("empty secret ID")
	case strings.HasPrefix(id, "arn:"):
		_, err := secret.ParseARN(id)
		return err
	case strings.Contains(id, ":"):
		return fmt.Errorf("%q is neither a secret name nor a secret ARN", id)
	case len(id) > 512:
		return fmt.Errorf("%q: a secret name is at most 512 characters", id[:32]+"...")
	}
	return nil
}

// checkRoleARN accepts arn:<partition>:iam::<account>:role/[path/]name.
func checkRoleARN(s string) error {
	a, err := arn.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not an ARN: %v", s, err)
	}
	if a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") || len(a.AccountID) != 12 ||
		strings.HasSuffix(a.Resource, "/") || strings.ContainsAny(a.Resource, "*?") {
		return fmt.Errorf("%q is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)", s)
	}
	return nil
}
