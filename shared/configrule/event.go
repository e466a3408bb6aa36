package configrule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretguard/secretguard/shared/secret"
)

// Message types AWS Config sends to a custom Lambda rule.
const (
	MessageChange    = "ConfigurationItemChangeNotification"
	MessageOversized = "OversizedConfigurationItemChangeNotification"
	MessageScheduled = "ScheduledNotification"
)

// Configuration item statuses (configurationItemStatus).
const (
	StatusOK                         = "OK"
	StatusResourceDiscovered         = "ResourceDiscovered"
	StatusResourceNotRecorded        = "ResourceNotRecorded"
	StatusResourceDeleted            = "ResourceDeleted"
	StatusResourceDeletedNotRecorded = "ResourceDeletedNotRecorded"
)

// ResourceType is the Config resource type of a Secrets Manager secret.
const ResourceType = secret.ConfigResourceType

// Event is the event AWS Config passes to a custom rule's Lambda function,
// as in "Example Events for AWS Config Rules" (AWS Config Developer Guide).
// invokingEvent and ruleParameters are JSON documents inside strings.
// Unknown top-level members are ignored: AWS adds attributes and bumps
// version when it does.
type Event struct {
	Version          string `json:"version"`
	InvokingEvent    string `json:"invokingEvent"`
	RuleParameters   string `json:"ruleParameters,omitempty"`
	ResultToken      string `json:"resultToken"`
	EventLeftScope   bool   `json:"eventLeftScope"`
	ExecutionRoleARN string `json:"executionRoleArn,omitempty"`
	ConfigRuleARN    string `json:"configRuleArn,omitempty"`
	ConfigRuleName   string `json:"configRuleName,omitempty"`
	ConfigRuleID     string `json:"configRuleId,omitempty"`
	AccountID        string `json:"accountId,omitempty"`
	EvaluationMode   string `json:"evaluationMode,omitempty"`

	// Continuation is secretguard's own member: set only on the event a
	// sweep hands over to the next invocation of the function.
	Continuation *Continuation `json:"secretguardContinuation,omitempty"`
}

// Continuation says where a handed-over sweep resumes.
type Continuation struct {
	// StartToken is the ListSecrets NextToken of the first page not yet
	// evaluated.
	StartToken string `json:"startToken"`
	// Hop counts hand-overs: 1 for the first continuation.
	Hop int `json:"hop"`
	// ChainStartedAt is when the chain began (the notification time of
	// the scheduled event, or the first invocation's start).
	ChainStartedAt time.Time `json:"chainStartedAt"`
	// EvaluatedSoFar counts the secrets evaluated by earlier hops.
	EvaluatedSoFar int `json:"evaluatedSoFar"`
}

// ConfigurationItem is the part of a configuration item (or of an oversized
// item's summary) the evaluator reads.
type ConfigurationItem struct {
	CaptureTime  time.Time `json:"configurationItemCaptureTime"`
	AccountID    string    `json:"awsAccountId"`
	Status       string    `json:"configurationItemStatus"`
	ResourceType string    `json:"resourceType"`
	ResourceID   string    `json:"resourceId"`
	ResourceName string    `json:"resourceName"`
	ARN          string    `json:"ARN"`
	Region       string    `json:"awsRegion"`
	// ChangeType is set in an oversized item's summary (CREATE, UPDATE,
	// DELETE).
	ChangeType string `json:"changeType,omitempty"`
}

// Deleted reports whether the item says the resource no longer exists or is
// no longer recorded, the statuses for which the rule reports
// NOT_APPLICABLE.
func (ci *ConfigurationItem) Deleted() bool {
	switch ci.Status {
	case StatusResourceDeleted, StatusResourceNotRecorded, StatusResourceDeletedNotRecorded:
		return true
	}
	return false
}

// SecretID is what identifies the secret to Secrets Manager: the item's
// ARN, else its resource ID.
func (ci *ConfigurationItem) SecretID() string {
	if ci.ARN != "" {
		return ci.ARN
	}
	return ci.ResourceID
}

// Scheduled is the invoking event of a periodic rule.
type Scheduled struct {
	AccountID        string    `json:"awsAccountId"`
	NotificationTime time.Time `json:"notificationCreationTime"`
	RecordVersion    string    `json:"recordVersion"`
}

// Invocation is a decoded, validated Config event.
type Invocation struct {
	Event       Event
	MessageType string
	// Item is set for change and oversized notifications.
	Item *ConfigurationItem
	// Scheduled is set for scheduled notifications.
	Scheduled *Scheduled
	Params    Params

	raw []byte // the payload, kept whole for a hand-over
}

// Region is the Region of the rule: the configRuleArn's, else the item's.
func (inv *Invocation) Region() string {
	if a, err := arn.Parse(inv.Event.ConfigRuleARN); err == nil && a.Region != "" {
		return a.Region
	}
	if inv.Item != nil {
		return inv.Item.Region
	}
	return ""
}

// AccountID is the account that owns the rule: accountId, else the rule
// ARN's account, else the invoking event's.
func (inv *Invocation) AccountID() string {
	if inv.Event.AccountID != "" {
		return inv.Event.AccountID
	}
	if a, err := arn.Parse(inv.Event.ConfigRuleARN); err == nil && a.AccountID != "" {
		return a.AccountID
	}
	switch {
	case inv.Item != nil:
		return inv.Item.AccountID
	case inv.Scheduled != nil:
		return inv.Scheduled.AccountID
	}
	return ""
}

// RuleName names the rule for logs: configRuleName, else configRuleId.
func (inv *Invocation) RuleName() string {
	if inv.Event.ConfigRuleName != "" {
		return inv.Event.ConfigRuleName
	}
	return inv.Event.ConfigRuleID
}

// ErrNotConfigEvent is wrapped by Decode's error for a payload that is not
// an AWS Config rule event at all.
var ErrNotConfigEvent = errors.New("not an AWS Config rule event")

// Decode parses and validates a Config rule event. Errors say what is
// wrong; an event that decodes has a known message type, a known check,
// valid parameters and a ResultToken.
func Decode(payload []byte) (*Invocation, error) {
	ev, err := decodeEnvelope(payload)
	if err != nil {
		return nil, err
	}
	inv := &Invocation{Event: *ev, raw: bytes.TrimSpace(payload)}
	if inv.MessageType, err = inv.decodeInvoking(ev.InvokingEvent); err != nil {
		return nil, err
	}
	if inv.Params, err = ParseParams(ev.RuleParameters); err != nil {
		return nil, fmt.Errorf("rule %s: %w", orUnknown(inv.RuleName()), err)
	}
	if strings.TrimSpace(ev.ResultToken) == "" {
		return nil, fmt.Errorf("rule %s: the event has no resultToken, so no evaluation can be sent", orUnknown(inv.RuleName()))
	}
	if c := ev.Continuation; c != nil {
		if inv.MessageType != MessageScheduled {
			return nil, fmt.Errorf("secretguardContinuation on a %s; only a scheduled sweep hands over", inv.MessageType)
		}
		if c.StartToken == "" || c.Hop < 1 || c.ChainStartedAt.IsZero() || c.EvaluatedSoFar < 0 {
			return nil, fmt.Errorf("secretguardContinuation is incomplete: want startToken, hop >= 1, chainStartedAt and evaluatedSoFar >= 0")
		}
	}
	return inv, nil
}

func decodeEnvelope(payload []byte) (*Event, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: the payload is empty", ErrNotConfigEvent)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &probe); err != nil {
		return nil, fmt.Errorf("%w: the payload is not a JSON object: %v", ErrNotConfigEvent, err)
	}
	if _, ok := probe["invokingEvent"]; !ok {
		hint := ""
		if _, eb := probe["detail-type"]; eb {
			hint = " (it looks like an EventBridge event)"
		}
		return nil, fmt.Errorf("%w: no invokingEvent member%s", ErrNotConfigEvent, hint)
	}
	var ev Event
	if err := json.Unmarshal(trimmed, &ev); err != nil {
		return nil, fmt.Errorf("config event: %v", err)
	}
	return &ev, nil
}

// decodeInvoking parses the invokingEvent string by its messageType.
func (inv *Invocation) decodeInvoking(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("%w: invokingEvent is empty", ErrNotConfigEvent)
	}
	var head struct {
		MessageType string `json:"messageType"`
	}
	if err := json.Unmarshal([]byte(s), &head); err != nil {
		return "", fmt.Errorf("invokingEvent is not a JSON object: %v", err)
	}
	switch head.MessageType {
	case MessageChange:
		var body struct {
			Item *ConfigurationItem `json:"configurationItem"`
		}
		if err := json.Unmarshal([]byte(s), &body); err != nil {
			return "", fmt.Errorf("invokingEvent (%s): %v", head.MessageType, err)
		}
		if body.Item == nil {
			return "", fmt.Errorf("invokingEvent (%s) has no configurationItem", head.MessageType)
		}
		inv.Item = body.Item
	case MessageOversized:
		var body struct {
			Summary *ConfigurationItem `json:"configurationItemSummary"`
		}
		if err := json.Unmarshal([]byte(s), &body); err != nil {
			return "", fmt.Errorf("invokingEvent (%s): %v", head.MessageType, err)
		}
		if body.Summary == nil {
			return "", fmt.Errorf("invokingEvent (%s) has no configurationItemSummary", head.MessageType)
		}
		inv.Item = body.Summary
	case MessageScheduled:
		var sc Scheduled
		if err := json.Unmarshal([]byte(s), &sc); err != nil {
			return "", fmt.Errorf("invokingEvent (%s): %v", head.MessageType, err)
		}
		inv.Scheduled = &sc
	case "":
		return "", errors.New("invokingEvent has no messageType")
	default:
		return "", fmt.Errorf("unknown messageType %q (want %s, %s or %s)", head.MessageType, MessageChange, MessageOversized, MessageScheduled)
	}
	if inv.Item != nil {
		if inv.Item.ResourceType == "" {
			return "", fmt.Errorf("invokingEvent (%s): the configuration item has no resourceType", head.MessageType)
		}
		if inv.Item.ResourceType == ResourceType && inv.Item.SecretID() == "" {
			return "", fmt.Errorf("invokingEvent (%s): the configuration item has neither ARN nor resourceId", head.MessageType)
		}
	}
	return head.MessageType, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}
