// Package accessdenied is the alert path for refused secret reads: a
// GetSecretValue (or BatchGetSecretValue) that CloudTrail records with an
// access-denied error code becomes a "Secret Access Denied" event
// (outcome.TypeAccessDenied) for the notifier, which tickets it under the
// check outcome.CheckAccessDenied, with the caller's identity — throttled per
// caller, so a misconfigured application that retries in a loop makes one
// event an hour, not thousands.
//
// # Where the events come from
//
// EventBridge delivers CloudTrail records as "AWS API Call via CloudTrail"
// events. GetSecretValue is a read-only management event: a rule receives it
// only when its state is ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (an
// ENABLED rule leaves read-only events out), and only while a trail in the
// account logs management read events (the cloudtrail-read-events check).
// The rule's pattern: source aws.secretsmanager, detail-type "AWS API Call
// via CloudTrail", detail.eventName GetSecretValue and BatchGetSecretValue,
// detail.errorCode present. Parse accepts any CloudTrail event and says why
// one is not a denial, so a broader rule costs only invocations.
//
// # What an event carries
//
// The caller (userIdentity: ARN, type, account, principal ID, the service
// that called on its behalf), the source IP and user agent, the error code,
// and the secret as the request named it. Never the error message's free
// text, never anything from responseElements: a failed call returns no
// value, and nothing here would copy one.
package accessdenied

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/outcome"
)

// DeniedCodes are the CloudTrail error codes of a refused read: by IAM or
// the resource policy (AccessDenied…), or by the key (KMS…).
var DeniedCodes = map[string]bool{
	"AccessDenied":                 true,
	"AccessDeniedException":        true,
	"UnauthorizedOperation":        true,
	"Client.UnauthorizedOperation": true,
	"UnauthorizedException":        true,
	"KMSAccessDeniedException":     true,
}

// ReadEvents are the Secrets Manager calls whose refusal alerts.
var ReadEvents = map[string]bool{"GetSecretValue": true, "BatchGetSecretValue": true}

// Denial is one refused read.
type Denial struct {
	EventID   string
	Time      time.Time
	Region    string
	AccountID string // the account whose secret was asked for
	Partition string
	// SecretID is the secret as the request named it (ARN, partial ARN or
	// name); SecretARN is its ARN, built from the name when the request
	// did not give one.
	SecretID  string
	SecretARN string
	Caller    outcome.Caller
}

// record is the part of a CloudTrail record Parse reads.
type record struct {
	EventID            string    `json:"eventID"`
	EventTime          time.Time `json:"eventTime"`
	EventSource        string    `json:"eventSource"`
	EventName          string    `json:"eventName"`
	AWSRegion          string    `json:"awsRegion"`
	SourceIPAddress    string    `json:"sourceIPAddress"`
	UserAgent          string    `json:"userAgent"`
	ErrorCode          string    `json:"errorCode"`
	RecipientAccountID string    `json:"recipientAccountId"`
	UserIdentity       struct {
		Type        string `json:"type"`
		PrincipalID string `json:"principalId"`
		ARN         string `json:"arn"`
		AccountID   string `json:"accountId"`
		InvokedBy   string `json:"invokedBy"`
	} `json:"userIdentity"`
	RequestParameters struct {
		SecretID     string   `json:"secretId"`
		SecretIDList []string `json:"secretIdList"`
	} `json:"requestParameters"`
}

// envelope is an EventBridge event around a CloudTrail record.
type envelope struct {
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Detail     json.RawMessage `json:"detail"`
}

// ErrNotDenial is wrapped by Parse's error for an event that is a valid
// CloudTrail event but not a refused secret read; the caller skips it.
var ErrNotDenial = errors.New("not a refused secret read")

// maxField bounds what Parse keeps of a field chosen by the caller.
const maxField = 512

// Parse reads an EventBridge "AWS API Call via CloudTrail" event and
// returns the denial it records. A read that succeeded, another call or
// another service is ErrNotDenial; a payload that is not such an event is
// another error.
func Parse(payload []byte) (*Denial, error) {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		return nil, fmt.Errorf("not an EventBridge event: %v", err)
	}
	if env.DetailType != "AWS API Call via CloudTrail" || len(env.Detail) == 0 {
		return nil, fmt.Errorf("detail-type %q: want \"AWS API Call via CloudTrail\"", env.DetailType)
	}
	var r record
	if err := json.Unmarshal(env.Detail, &r); err != nil {
		return nil, fmt.Errorf("CloudTrail record: %v", err)
	}
	switch {
	case r.EventSource != "secretsmanager.amazonaws.com":
		return nil, fmt.Errorf("%w: event source %q", ErrNotDenial, clip(r.EventSource))
	case !ReadEvents[r.EventName]:
		return nil, fmt.Errorf("%w: event %q", ErrNotDenial, clip(r.EventName))
	case r.ErrorCode == "":
		return nil, fmt.Errorf("%w: %s succeeded", ErrNotDenial, r.EventName)
	case !DeniedCodes[r.ErrorCode]:
		return nil, fmt.Errorf("%w: error %q is not a refusal", ErrNotDenial, clip(r.ErrorCode))
	}
	d := &Denial{
		EventID: clip(r.EventID), Time: r.EventTime.UTC(), Region: clip(r.AWSRegion),
		AccountID: clip(first(r.RecipientAccountID, env.Account)),
		Caller: outcome.Caller{
			ARN: clip(r.UserIdentity.ARN), Type: clip(r.UserIdentity.Type), AccountID: clip(r.UserIdentity.AccountID),
			PrincipalID: clip(r.UserIdentity.PrincipalID), InvokedBy: clip(r.UserIdentity.InvokedBy),
			SourceIP: clip(r.SourceIPAddress), UserAgent: clip(r.UserAgent), EventName: r.EventName, ErrorCode: r.ErrorCode,
		},
	}
	d.Partition = awsenv.Partition(d.Region)
	d.SecretID = clip(r.RequestParameters.SecretID)
	if d.SecretID == "" && len(r.RequestParameters.SecretIDList) > 0 {
		d.SecretID = clip(r.RequestParameters.SecretIDList[0])
	}
	d.SecretARN = d.secretARN()
	if d.SecretARN == "" {
		return nil, fmt.Errorf("%w: %s names no secret", ErrNotDenial, r.EventName)
	}
	return d, nil
}

// secretARN is the secret's ARN: the request's when it gave one, else one
// built from the name in the record's account and Region.
func (d *Denial) secretARN() string {
	if a, err := arn.Parse(d.SecretID); err == nil && a.Service == "secretsmanager" {
		if a.AccountID != "" {
			d.AccountID = a.AccountID
		}
		return d.SecretID
	}
	if d.SecretID == "" || d.AccountID == "" || d.Region == "" {
		return ""
	}
	return "arn:" + d.Partition + ":secretsmanager:" + d.Region + ":" + d.AccountID + ":secret:" + d.SecretID
}

// CallerKey identifies a caller for the throttle: its ARN, else its
// principal ID, with its account.
func (d *Denial) CallerKey() string {
	id := first(d.Caller.ARN, d.Caller.PrincipalID, d.Caller.InvokedBy, d.Caller.SourceIP, "unknown")
	return first(d.Caller.AccountID, d.AccountID) + "|" + id
}

// Detail builds the event detail: suppressed is how many refusals of this
// caller the throttle held back since its last event.
func (d *Denial) Detail(suppressed int) outcome.Detail {
	c := d.Caller
	c.Suppressed = suppressed
	who := first(c.ARN, c.PrincipalID, "an unknown principal")
	if c.Type != "" {
		who += " (" + c.Type + ")"
	}
	from := ""
	if c.SourceIP != "" {
		from = " from " + c.SourceIP
	}
	if c.InvokedBy != "" {
		from += " through " + c.InvokedBy
	}
	why := fmt.Sprintf("A principal was refused the secret at %s", d.Time.Format(time.RFC3339))
	if suppressed > 0 {
		why += fmt.Sprintf("; %d more refusals of this caller since its last alert were not sent separately", suppressed)
	}
	why += ". Check whether it should have access (fix its policy or the secret's) or is probing (investigate the principal)."
	h := sha256.Sum256([]byte(d.EventID + "|" + d.SecretARN + "|" + d.CallerKey()))
	return outcome.Detail{
		ID: "ad-" + d.AccountID + "-" + hex.EncodeToString(h[:8]), SecretARN: d.SecretARN, SecretName: secretName(d.SecretID),
		AccountID: d.AccountID, Region: d.Region, Partition: d.Partition,
		Check: outcome.CheckAccessDenied, Severity: outcome.SeverityOf(outcome.CheckAccessDenied), Compliance: string(checks.NonCompliant),
		Annotation: checks.Truncate(fmt.Sprintf("%s denied (%s) to %s%s.", c.EventName, c.ErrorCode, who, from)),
		Why:        why,
		Fix: fmt.Sprintf("aws cloudtrail lookup-events --region %s --lookup-attributes AttributeKey=EventName,AttributeValue=%s --start-time %s",
			d.Region, c.EventName, d.Time.Add(-time.Hour).Format(time.RFC3339)),
		Caller: &c, Time: d.Time,
	}
}

// secretName is the secret's name when the request named it by name; for
// an ARN it is left to the notifier, which derives it from the ARN.
func secretName(id string) string {
	if strings.HasPrefix(id, "arn:") {
		return ""
	}
	return id
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// clip bounds a field chosen by the caller.
func clip(s string) string {
	if len(s) > maxField {
		return s[:maxField]
	}
	return s
}
