package outcome

import (
	"encoding/json"
	"fmt"
	"time"
)

// Source is the EventBridge source of every secretguard event.
const Source = "secretguard"

// Detail types.
const (
	TypeRemediated     = "Secret Remediated"
	TypeNeedsAttention = "Secret Needs Attention"
	TypeFailed         = "Remediation Failed"
	TypeRevoked        = "Secret Revoked"
	TypeCompliant      = "Secret Compliant" // a check passes again: tickets resolve
	// TypeAccessDenied: GetSecretValue was refused (AccessDenied and the
	// like); Caller says who asked. The notifier tickets it under
	// CheckAccessDenied.
	TypeAccessDenied = "Secret Access Denied"
)

// CheckAccessDenied is the check of Secret Access Denied events: the
// ticket key for the secret a caller was refused.
const CheckAccessDenied = "access-denied"

// DetailTypes lists every detail type, for rules and validation.
var DetailTypes = []string{TypeRemediated, TypeNeedsAttention, TypeFailed, TypeRevoked, TypeCompliant, TypeAccessDenied}

// Severity of a finding, for ticket systems.
type Severity string

// Severities, as OpsCenter and Security Hub label them.
const (
	SeverityCritical Severity = "CRITICAL"
	SeverityHigh     Severity = "HIGH"
	SeverityMedium   Severity = "MEDIUM"
	SeverityLow      Severity = "LOW"
)

// Detail is the detail of every secretguard event. One event is about one
// secret and, except for TypeRevoked, one check.
type Detail struct {
	// ID identifies the decision (also the ledger's remediation ID); the
	// notifier deduplicates on it.
	ID         string   `json:"id"`
	SecretARN  string   `json:"secretArn"`
	SecretName string   `json:"secretName"`
	AccountID  string   `json:"accountId"`
	Region     string   `json:"region"`
	Partition  string   `json:"partition"`
	Owner      string   `json:"owner,omitempty"` // the owner tag, for routing tickets
	Check      string   `json:"check,omitempty"`
	Severity   Severity `json:"severity"`
	// Compliance is the check's verdict after secretguard acted.
	Compliance string `json:"compliance"`
	// Annotation is the check's annotation: what is wrong and what to do.
	Annotation string `json:"annotation"`
	// Why says why the secret needs a person (mode is ticket, no remedy,
	// remedy refused, cap reached, ...), or what failed.
	Why    string `json:"why,omitempty"`
	Remedy string `json:"remedy,omitempty"`
	// Calls are the API calls made (or, in dry-run, that would be made).
	Calls []Call `json:"calls,omitempty"`
	// Before and After are configuration summaries, never values.
	Before *State `json:"before,omitempty"`
	After  *State `json:"after,omitempty"`
	// Fix is the exact command or change a team can apply; Waiver the tag
	// that waives the check.
	Fix    string `json:"fix,omitempty"`
	Waiver string `json:"waiver,omitempty"`
	DryRun bool   `json:"dryRun,omitempty"`
	// Report carries the revoker's step report (TypeRevoked only).
	Report     json.RawMessage `json:"report,omitempty"`
	IncidentID string          `json:"incidentId,omitempty"`
	Time       time.Time       `json:"time"`
	// Caller is who was refused (TypeAccessDenied only).
	Caller *Caller `json:"caller,omitempty"`
}

// Caller identifies the principal of a refused call, from the CloudTrail
// record's userIdentity and request context.
type Caller struct {
	ARN         string `json:"arn,omitempty"`
	Type        string `json:"type,omitempty"` // IAMUser, AssumedRole, AWSService, ...
	AccountID   string `json:"accountId,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	// InvokedBy is the AWS service that called on the principal's behalf.
	InvokedBy string `json:"invokedBy,omitempty"`
	SourceIP  string `json:"sourceIp,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
	EventName string `json:"eventName,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
	// Suppressed counts the refusals of this caller that were not sent as
	// events since the last one (the per-caller throttle).
	Suppressed int `json:"suppressed,omitempty"`
}

// Call is one AWS API call with its parameters (never a secret value).
type Call struct {
	Service   string          `json:"service"`
	Operation string          `json:"operation"`
	Params    json.RawMessage `json:"params,omitempty"`
	Outcome   string          `json:"outcome,omitempty"` // "ok", "dry-run", or the error
}

// State summarises a secret's configuration at one moment.
type State struct {
	RotationEnabled   bool              `json:"rotationEnabled"`
	RotationLambdaARN string            `json:"rotationLambdaArn,omitempty"`
	RotationSchedule  string            `json:"rotationSchedule,omitempty"`
	KMSKeyID          string            `json:"kmsKeyId,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
	ResourcePolicy    string            `json:"resourcePolicy,omitempty"`
	Replicas          []string          `json:"replicas,omitempty"`
}

// Validate checks a detail received from the bus.
func (d *Detail) Validate(detailType string) error {
	known := false
	for _, t := range DetailTypes {
		known = known || t == detailType
	}
	switch {
	case !known:
		return fmt.Errorf("unknown detail-type %q", detailType)
	case d.ID == "":
		return fmt.Errorf("%s: detail.id is empty", detailType)
	case d.SecretARN == "":
		return fmt.Errorf("%s: detail.secretArn is empty", detailType)
	case detailType != TypeRevoked && d.Check == "":
		return fmt.Errorf("%s: detail.check is empty", detailType)
	}
	return nil
}

// severities ranks each check by what a failure exposes.
var severities = map[string]Severity{
	"no-public-policy":  SeverityCritical,
	"rotation-enabled":  SeverityHigh,
	"rotation-healthy":  SeverityHigh,
	"cmk":               SeverityHigh,
	"rotation-function": SeverityMedium,
	"rotation-schedule": SeverityMedium,
	"rotated-recently":  SeverityMedium,
	"replication":       SeverityMedium,
	"unused":            SeverityLow,
	"required-tags":     SeverityLow,
	// Workloads, accounts and access.
	"no-plaintext-lambda-env": SeverityHigh,
	"no-plaintext-ecs-env":    SeverityHigh,
	"no-plaintext-parameters": SeverityHigh,
	"cloudtrail-read-events":  SeverityHigh,
	"vpc-endpoint":            SeverityMedium,
	"caching":                 SeverityLow,
	CheckAccessDenied:         SeverityHigh,
}

// SeverityOf returns a check's severity (MEDIUM for a check it does not
// know). A revocation is always CRITICAL.
func SeverityOf(check string) Severity {
	if s, ok := severities[check]; ok {
		return s
	}
	return SeverityMedium
}
