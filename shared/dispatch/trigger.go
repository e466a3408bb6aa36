package dispatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
)

// Kinds of trigger.
const (
	KindConfig     = "config-compliance-change"
	KindCloudTrail = "cloudtrail"
	KindDirect     = "direct"
	KindSweep      = "sweep"
	KindEvent      = "eventbridge" // an EventBridge event of another kind
	KindInvalid    = "invalid"
)

// EventBridge detail types and sources secretguard acts on.
const (
	DetailComplianceChange = "Config Rules Compliance Change"
	DetailAPICall          = "AWS API Call via CloudTrail"
	sourceConfig           = "aws.config"
	sourceSecretsManager   = "aws.secretsmanager"
	eventSourceSM          = "secretsmanager.amazonaws.com"
	rulePrefix             = "secretguard-"
)

// APICalls are the CloudTrail events that can change what the checks see.
var APICalls = []string{
	"CreateSecret", "UpdateSecret", "PutResourcePolicy", "DeleteResourcePolicy", "TagResource", "UntagResource",
	"RotateSecret", "CancelRotateSecret", "ReplicateSecretToRegions", "RemoveRegionsFromReplication",
	"StopReplicationToReplica", "RestoreSecret",
}

// ErrBadEvent is wrapped by the errors of payloads that can never be
// processed; retrying them cannot help.
var ErrBadEvent = errors.New("malformed event")

// Trigger is a decoded payload: one secret reconcile (Request), one sweep,
// one workload or account check's decision (Resource), or nothing (Skip
// says why). Which function serves it is Serves' business.
type Trigger struct {
	Kind    string
	Request *engine.Request
	Sweep   *engine.SweepRequest
	// Resource: a workload or account check's rule changed compliance, or
	// a direct {"resource": ...} request.
	Resource *engine.ResourceRequest
	Skip     string
	// NoDryRun: a direct request said "dryRun": false explicitly (which
	// cannot override DRY_RUN; the handler logs it).
	NoDryRun bool
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadEvent, fmt.Sprintf(format, args...))
}

// Decode reads one payload: an EventBridge event (Config compliance change
// or CloudTrail API call; fields AWS adds are ignored) or a direct request
// (decoded strictly). An SQS batch is not a Trigger: see sqsBatch.
// Malformed payloads give an error wrapping ErrBadEvent; the Trigger's Kind
// is still set as far as it is known.
func Decode(payload []byte) (Trigger, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(payload, &probe); err != nil {
		return Trigger{Kind: KindInvalid}, bad("not a JSON object: %v", err)
	}
	switch {
	case probe["detail-type"] != nil:
		return decodeEvent(payload)
	case probe["secretId"] != nil || probe["sweep"] != nil || probe["resource"] != nil:
		return decodeDirect(payload, probe)
	}
	return Trigger{Kind: KindInvalid}, bad("neither an EventBridge event (detail-type), an SQS batch (Records) nor a direct request (secretId, sweep or resource)")
}

// envelope is an EventBridge event.
type envelope struct {
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Region     string          `json:"region"`
	Detail     json.RawMessage `json:"detail"`
}

func decodeEvent(payload []byte) (Trigger, error) {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		return Trigger{Kind: KindInvalid}, bad("EventBridge event: %v", err)
	}
	if len(bytes.TrimSpace(env.Detail)) == 0 || bytes.Equal(bytes.TrimSpace(env.Detail), []byte("null")) {
		return Trigger{Kind: KindInvalid}, bad("EventBridge event %s (%s) has no detail", env.ID, env.DetailType)
	}
	switch env.DetailType {
	case DetailComplianceChange:
		return decodeCompliance(env)
	case DetailAPICall:
		return decodeAPICall(env)
	}
	return Trigger{Kind: KindEvent, Skip: fmt.Sprintf("detail-type %q (source %s) is not one secretguard acts on", env.DetailType, env.Source)}, nil
}

// complianceChange is the detail of a Config Rules Compliance Change.
type complianceChange struct {
	ResourceID     string `json:"resourceId"`
	ResourceType   string `json:"resourceType"`
	ConfigRuleName string `json:"configRuleName"`
	AccountID      string `json:"awsAccountId"`
	Region         string `json:"awsRegion"`
	New            *struct {
		ComplianceType string `json:"complianceType"`
	} `json:"newEvaluationResult"`
}

func decodeCompliance(env envelope) (Trigger, error) {
	tr := Trigger{Kind: KindConfig}
	var d complianceChange
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		return tr, bad("%s: %v", DetailComplianceChange, err)
	}
	switch {
	case env.Source != sourceConfig:
		return tr, bad("%s from source %q, want %s", DetailComplianceChange, env.Source, sourceConfig)
	case d.ConfigRuleName == "":
		return tr, bad("%s without configRuleName", DetailComplianceChange)
	case !strings.HasPrefix(d.ConfigRuleName, rulePrefix):
		tr.Skip = fmt.Sprintf("rule %s is not a secretguard rule", d.ConfigRuleName)
		return tr, nil
	case engine.IsResourceCheck(strings.TrimPrefix(d.ConfigRuleName, rulePrefix)):
		return decodeResourceCompliance(env, d)
	case d.ResourceType != secret.ConfigResourceType:
		tr.Skip = fmt.Sprintf("resource type %q is not %s", d.ResourceType, secret.ConfigResourceType)
		return tr, nil
	case d.ResourceID == "":
		return tr, bad("%s of rule %s without resourceId", DetailComplianceChange, d.ConfigRuleName)
	case d.New == nil || d.New.ComplianceType == "":
		return tr, bad("%s of rule %s without newEvaluationResult.complianceType", DetailComplianceChange, d.ConfigRuleName)
	case d.New.ComplianceType != string(checks.NonCompliant):
		tr.Skip = fmt.Sprintf("rule %s turned %s for %s: nothing to fix", d.ConfigRuleName, d.New.ComplianceType, d.ResourceID)
		return tr, nil
	}
	tr.Request = &engine.Request{SecretID: d.ResourceID, AccountID: first(d.AccountID, env.Account), Region: first(d.Region, env.Region),
		Trigger: "config:" + d.ConfigRuleName}
	return tr, validID(tr.Request)
}

// apiCall is the detail of an AWS API Call via CloudTrail.
type apiCall struct {
	EventSource        string `json:"eventSource"`
	EventName          string `json:"eventName"`
	Region             string `json:"awsRegion"`
	RecipientAccountID string `json:"recipientAccountId"`
	ErrorCode          string `json:"errorCode"`
	UserIdentity       struct {
		ARN string `json:"arn"`
	} `json:"userIdentity"`
	RequestParameters struct {
		SecretID string `json:"secretId"`
		Name     string `json:"name"`
	} `json:"requestParameters"`
	ResponseElements struct {
		ARN       string `json:"arn"`
		LegacyARN string `json:"aRN"` // older CreateSecret events
	} `json:"responseElements"`
}

func decodeAPICall(env envelope) (Trigger, error) {
	tr := Trigger{Kind: KindCloudTrail}
	var d apiCall
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		return tr, bad("%s: %v", DetailAPICall, err)
	}
	switch {
	case env.Source != sourceSecretsManager || d.EventSource != eventSourceSM:
		tr.Skip = fmt.Sprintf("API call %s from %s (%s) is not a Secrets Manager call", d.EventName, d.EventSource, env.Source)
		return tr, nil
	case !slices.Contains(APICalls, d.EventName):
		tr.Skip = fmt.Sprintf("%s cannot change what the checks see", d.EventName)
		return tr, nil
	case d.ErrorCode != "":
		tr.Skip = fmt.Sprintf("%s failed (%s): nothing changed", d.EventName, d.ErrorCode)
		return tr, nil
	}
	id := first(d.ResponseElements.ARN, d.ResponseElements.LegacyARN)
	if !secret.IsARN(id) {
		id = first(d.RequestParameters.SecretID, d.RequestParameters.Name)
	}
	if id == "" {
		return tr, bad("%s names no secret (requestParameters.secretId or name, responseElements.arn)", d.EventName)
	}
	tr.Request = &engine.Request{SecretID: id, AccountID: first(d.RecipientAccountID, env.Account), Region: first(d.Region, env.Region),
		Trigger: "cloudtrail:" + d.EventName}
	if d.EventName == "CreateSecret" {
		tr.Request.Hints = remedies.Hints{Creator: d.UserIdentity.ARN}
	}
	return tr, validID(tr.Request)
}

// direct is a request made by a person or a script.
type direct struct {
	SecretID  string          `json:"secretId"`
	AccountID string          `json:"accountId"`
	Region    string          `json:"region"`
	DryRun    *bool           `json:"dryRun"`
	Sweep     *directSweep    `json:"sweep"`
	Resource  *directResource `json:"resource"`
}

// directSweep is the sweep of a direct {"sweep": ...} request.
type directSweep struct {
	AccountID string `json:"accountId"`
	Region    string `json:"region"`
}

// The shapes of direct requests, for error messages.
const (
	shapeSecret   = `{"secretId": ..., "accountId": ..., "region": ..., "dryRun": bool}`
	shapeSweep    = `{"sweep": {"accountId": ..., "region": ...}, "dryRun": bool}`
	shapeResource = `{"resource": {"check": ..., "accountId": ..., "region": ..., "resourceId": ...}, "dryRun": bool}`
)

var (
	accountPattern = regexp.MustCompile(`^\d{12}$`)
	regionPattern  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
)

// decodeDirect reads a direct request strictly; probe (its top-level
// fields) picks the shape an error shows.
func decodeDirect(payload []byte, probe map[string]json.RawMessage) (Trigger, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var d direct
	if err := dec.Decode(&d); err != nil {
		shape := shapeSecret
		switch {
		case probe["resource"] != nil:
			shape = shapeResource
		case probe["sweep"] != nil:
			shape = shapeSweep
		}
		return Trigger{Kind: KindDirect}, bad("direct request: %v (want %s)", err, shape)
	}
	if err := exactFields(probe); err != nil {
		return Trigger{Kind: KindDirect}, err
	}
	dryRun, noDryRun := d.DryRun != nil && *d.DryRun, d.DryRun != nil && !*d.DryRun
	switch {
	case d.Resource != nil:
		return decodeDirectResource(d, dryRun, noDryRun)
	case d.Sweep != nil:
		tr := Trigger{Kind: KindSweep, NoDryRun: noDryRun}
		switch {
		case d.SecretID != "" || d.AccountID != "" || d.Region != "":
			return tr, bad("a sweep takes no secretId, accountId or region beside sweep (want %s)", shapeSweep)
		case d.Sweep.AccountID != "" && !accountPattern.MatchString(d.Sweep.AccountID):
			return tr, bad("sweep.accountId %q is not a 12-digit account ID", d.Sweep.AccountID)
		case !regionPattern.MatchString(d.Sweep.Region):
			return tr, bad("sweep.region %q is not a Region", d.Sweep.Region)
		}
		tr.Sweep = &engine.SweepRequest{AccountID: d.Sweep.AccountID, Region: d.Sweep.Region, DryRun: dryRun, Trigger: "sweep"}
		return tr, nil
	}
	tr := Trigger{Kind: KindDirect, NoDryRun: noDryRun, Request: &engine.Request{SecretID: d.SecretID, AccountID: d.AccountID, Region: d.Region,
		DryRun: dryRun, Trigger: "direct"}}
	switch {
	case d.AccountID != "" && !accountPattern.MatchString(d.AccountID):
		return tr, bad("accountId %q is not a 12-digit account ID", d.AccountID)
	case d.Region != "" && !regionPattern.MatchString(d.Region):
		return tr, bad("region %q is not a Region", d.Region)
	}
	return tr, validID(tr.Request)
}

// exactFields rejects a field name that encoding/json matched only
// case-insensitively: "dryrun" is a typo, not dryRun.
func exactFields(probe map[string]json.RawMessage) error {
	check := func(where string, fields map[string]json.RawMessage, t reflect.Type) error {
		names := jsonNames(t)
		for k := range fields {
			if !slices.Contains(names, k) {
				return bad("direct request: unknown field %q%s (field names are case-sensitive: %s)", k, where, strings.Join(names, ", "))
			}
		}
		return nil
	}
	if err := check("", probe, reflect.TypeFor[direct]()); err != nil {
		return err
	}
	for key, t := range map[string]reflect.Type{"sweep": reflect.TypeFor[directSweep](), "resource": reflect.TypeFor[directResource]()} {
		var nested map[string]json.RawMessage
		if json.Unmarshal(probe[key], &nested) != nil {
			continue // null or absent
		}
		if err := check(" in "+key, nested, t); err != nil {
			return err
		}
	}
	return nil
}

// jsonNames lists the JSON names of a struct type's fields.
func jsonNames(t reflect.Type) []string {
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// validID rejects a secret ID that is neither a name nor a secret ARN.
func validID(r *engine.Request) error {
	switch {
	case strings.TrimSpace(r.SecretID) == "":
		return bad("empty secret ID")
	case strings.HasPrefix(r.SecretID, "arn:"):
		if _, err := secret.ParseARN(r.SecretID); err != nil {
			return bad("%v", err)
		}
	case strings.Contains(r.SecretID, ":"):
		return bad("secret ID %q is neither a name nor an ARN", r.SecretID)
	}
	return nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// sqsBatch reads an SQS event: a Records list whose every record comes
// from aws:sqs.
func sqsBatch(payload []byte) (*events.SQSEvent, bool) {
	var probe struct {
		Records []json.RawMessage `json:"Records"`
	}
	if json.Unmarshal(payload, &probe) != nil || len(probe.Records) == 0 {
		return nil, false
	}
	var batch events.SQSEvent
	if json.Unmarshal(payload, &batch) != nil {
		return nil, false
	}
	if slices.ContainsFunc(batch.Records, func(r events.SQSMessage) bool { return r.EventSource != "aws:sqs" }) {
		return nil, false
	}
	return &batch, true
}
