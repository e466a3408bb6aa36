package tickets

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/secretguard/secretguard/shared/outcome"
)

// ErrInvalidEvent marks an event that can never be processed (not JSON,
// not from secretguard, unknown detail-type, missing fields). Retrying it
// is pointless, but callers still fail it so that it lands on a DLQ.
var ErrInvalidEvent = errors.New("invalid secretguard event")

// RevokedCheck is the check part of the ticket key for Secret Revoked
// events, which name no check: one revocation ticket per secret.
const RevokedCheck = "revoked"

// Event is one secretguard event as EventBridge delivers it.
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"` // EventBridge's ID; dedup uses Detail.ID
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     *outcome.Detail `json:"detail"`
}

// ParseEvent decodes and validates an EventBridge event carrying a
// secretguard detail. Unknown fields are allowed (the contract only ever
// adds fields). Errors wrap ErrInvalidEvent.
func ParseEvent(data []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%w: not an EventBridge event: %v", ErrInvalidEvent, err)
	}
	if e.Source != outcome.Source {
		return nil, fmt.Errorf("%w: source %q, want %q", ErrInvalidEvent, e.Source, outcome.Source)
	}
	if e.Detail == nil {
		return nil, fmt.Errorf("%w: %s: no detail", ErrInvalidEvent, e.DetailType)
	}
	if err := e.Detail.Validate(e.DetailType); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidEvent, err)
	}
	return &e, nil
}

// Key identifies one ticket: a secret and a check.
type Key struct {
	SecretARN string
	Check     string
}

func (k Key) String() string { return k.SecretARN + "|" + k.Check }

// KeyOf returns the ticket key of an event's detail.
func KeyOf(detailType string, d *outcome.Detail) Key {
	if detailType == outcome.TypeRevoked || d.Check == "" {
		return Key{SecretARN: d.SecretARN, Check: RevokedCheck}
	}
	return Key{SecretARN: d.SecretARN, Check: d.Check}
}

// Passing reports whether the event says the check passes again, which
// resolves its ticket: Secret Compliant, or Secret Remediated when it was
// not a dry run and the verdict after acting is not NON_COMPLIANT. Every
// other event says a person is needed.
func Passing(detailType string, d *outcome.Detail) bool {
	switch detailType {
	case outcome.TypeCompliant:
		return true
	case outcome.TypeRemediated:
		return !d.DryRun && d.Compliance != "NON_COMPLIANT"
	}
	return false
}

// SeverityOf is the severity of a ticket: the check's (outcome.SeverityOf),
// CRITICAL for a revocation. The detail's own severity is not trusted for
// routing, so that one check always lands in the same sinks.
func SeverityOf(k Key) outcome.Severity {
	if k.Check == RevokedCheck {
		return outcome.SeverityCritical
	}
	return outcome.SeverityOf(k.Check)
}

// severityRank orders severities, LOW = 1 to CRITICAL = 4; unknown is 0.
func severityRank(s outcome.Severity) int {
	switch s {
	case outcome.SeverityLow:
		return 1
	case outcome.SeverityMedium:
		return 2
	case outcome.SeverityHigh:
		return 3
	case outcome.SeverityCritical:
		return 4
	}
	return 0
}
