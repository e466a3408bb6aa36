package tickets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/outcome"
)

// Ticket is everything a sink may show about one event: a copy of the
// whitelisted detail fields, plus what the notifier derives from them. It
// is built only by NewTicket, the one place that reads an outcome.Detail,
// so that no other field (Before, After, Report, or a field added later)
// can reach a ticket unnoticed. It never holds a secret value: events carry
// none, and call parameters are redacted defensively.
type Ticket struct {
	EventID    string           `json:"eventId"`
	DetailType string           `json:"detailType"`
	Time       time.Time        `json:"time"`
	SecretARN  string           `json:"secretArn"`
	SecretName string           `json:"secretName"`
	AccountID  string           `json:"accountId"`
	Region     string           `json:"region"`
	Partition  string           `json:"partition"`
	Owner      string           `json:"owner,omitempty"`
	Check      string           `json:"check"`
	Severity   outcome.Severity `json:"severity"`
	Compliance string           `json:"compliance,omitempty"`
	Annotation string           `json:"annotation,omitempty"`
	Why        string           `json:"why,omitempty"`
	Remedy     string           `json:"remedy,omitempty"`
	Calls      []Call           `json:"calls,omitempty"`
	Fix        string           `json:"fix,omitempty"`
	Waiver     string           `json:"waiver,omitempty"`
	DryRun     bool             `json:"dryRun,omitempty"`
	IncidentID string           `json:"incidentId,omitempty"`

	// Derived.
	Matters    string `json:"whyItMatters"`
	ConsoleURL string `json:"consoleUrl,omitempty"`
	Passing    bool   `json:"passing"`
	// WaiverMaxDays is the baseline's waivers.maxDays, for the waiver hint.
	WaiverMaxDays int `json:"-"`
}

// Call is one API call secretguard made (or would make), its parameters
// redacted and shortened.
type Call struct {
	Service   string `json:"service"`
	Operation string `json:"operation"`
	Params    string `json:"params,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
}

// Options tune NewTicket with baseline settings.
type Options struct {
	// WaiverTagPrefix builds a waiver hint when the event carries none
	// (baseline waivers.tagPrefix); empty means no hint.
	WaiverTagPrefix string
	WaiverMaxDays   int
}

// NewTicket builds the ticket view of an event. It copies only the
// whitelisted detail fields (see the field list of Ticket).
func NewTicket(e *Event, o Options) *Ticket {
	d := e.Detail
	k := KeyOf(e.DetailType, d)
	t := &Ticket{
		EventID: d.ID, DetailType: e.DetailType, Time: d.Time,
		SecretARN: d.SecretARN, SecretName: d.SecretName, AccountID: d.AccountID,
		Region: d.Region, Partition: d.Partition, Owner: d.Owner,
		Check: k.Check, Severity: SeverityOf(k), Compliance: d.Compliance, Annotation: d.Annotation,
		Why: d.Why, Remedy: d.Remedy, Fix: d.Fix, Waiver: d.Waiver, DryRun: d.DryRun,
		IncidentID: d.IncidentID, Passing: Passing(e.DetailType, d), WaiverMaxDays: o.WaiverMaxDays,
	}
	for _, c := range d.Calls {
		t.Calls = append(t.Calls, Call{Service: c.Service, Operation: c.Operation, Params: redactParams(c.Params), Outcome: c.Outcome})
	}
	if t.Time.IsZero() {
		t.Time = e.Time
	}
	if a, err := arn.Parse(d.SecretARN); err == nil {
		t.AccountID = first(t.AccountID, a.AccountID)
		t.Region = first(t.Region, a.Region)
		t.Partition = first(t.Partition, a.Partition)
	}
	if t.Partition == "" && t.Region != "" {
		t.Partition = awsenv.Partition(t.Region)
	}
	t.SecretName = first(t.SecretName, NameFromARN(d.SecretARN))
	if t.Waiver == "" && o.WaiverTagPrefix != "" && k.Check != RevokedCheck {
		t.Waiver = o.WaiverTagPrefix + k.Check + ` = "YYYY-MM-DD reason"`
	}
	t.Matters = WhyItMatters(k.Check)
	t.ConsoleURL = ConsoleURL(t.Partition, t.Region, t.SecretName)
	return t
}

// Key returns the ticket's key.
func (t *Ticket) Key() Key { return Key{SecretARN: t.SecretARN, Check: t.Check} }

// Fingerprint identifies what a finding says; the notifier adds to an open
// ticket only when it changes.
func (t *Ticket) Fingerprint() string {
	h := sha256.New()
	for _, s := range []string{t.DetailType, t.Compliance, t.Annotation, t.Why, t.Remedy, t.Fix, t.Waiver, t.IncidentID, t.Owner} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	if t.DryRun {
		h.Write([]byte("dry-run"))
	}
	for _, c := range t.Calls {
		h.Write([]byte(c.Service + ":" + c.Operation + ":" + c.Params + ":" + c.Outcome + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

var secretSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// NameFromARN returns a secret's name from its ARN (without the
// six-character suffix Secrets Manager appends), or "".
func NameFromARN(secretARN string) string {
	a, err := arn.Parse(secretARN)
	if err != nil {
		return ""
	}
	name, ok := strings.CutPrefix(a.Resource, "secret:")
	if !ok {
		return ""
	}
	return secretSuffix.ReplaceAllString(name, "")
}

// ConsoleURL links to a secret in the Secrets Manager console of its
// partition, or returns "" for a partition without a public console.
func ConsoleURL(partition, region, name string) string {
	host := map[string]string{
		"aws":        "console.aws.amazon.com",
		"aws-cn":     "console.amazonaws.cn",
		"aws-us-gov": "console.amazonaws-us-gov.com",
	}[partition]
	if host == "" || region == "" || name == "" {
		return ""
	}
	return "https://" + host + "/secretsmanager/secret?name=" + url.QueryEscape(name) + "&region=" + url.QueryEscape(region)
}

// matters says, for each check, why a failure matters: one sentence.
var matters = map[string]string{
	"rotation-enabled":  "A secret that never rotates stays valid forever once it leaks, so one leak becomes permanent access.",
	"rotation-function": "Rotation must run the approved function for the secret's engine and strategy; the wrong one can break the application or leave the old credential valid.",
	"rotation-schedule": "A schedule longer than the class allows keeps a leaked credential usable for longer than the organisation accepts.",
	"rotation-healthy":  "A failing rotation silently stops replacing the credential and can leave a pending version that blocks every later rotation.",
	"rotated-recently":  "A credential not rotated within the allowed period has been exposed for longer than the organisation accepts, whatever its schedule says.",
	"unused":            "A secret nobody reads is attack surface nobody watches; delete it or show that it is still needed.",
	"cmk":               "Under the AWS managed key, access to the secret cannot be limited by a key policy the organisation controls, nor shared across accounts safely.",
	"no-public-policy":  "A resource policy that grants access outside the organisation lets every principal it names read the secret.",
	"replication":       "A secret missing from a required Region breaks failover for the applications that read it there.",
	"required-tags":     "Without owner and environment tags nobody is routed the ticket and nobody can judge what a leak would expose.",
	RevokedCheck:        "The secret was revoked as compromised: every consumer must now use the new value, and the incident stays open until they do.",
	// Workloads, accounts and access.
	"no-plaintext-lambda-env": "A credential in a function's environment is readable by everyone who may read the function's configuration and never rotates with Secrets Manager.",
	"no-plaintext-ecs-env":    "A credential in a task definition's environment is readable by everyone who may describe the task definition, in every revision that carries it.",
	"no-plaintext-parameters": "A credential in a plaintext SSM parameter is readable by everyone who may read the parameter, unencrypted and never rotated.",
	"cloudtrail-read-events":  "Without a trail that records management read events nobody can tell who read a secret, before or after a leak.",
	"vpc-endpoint":            "Without a Secrets Manager endpoint in the VPC, secret reads leave the AWS network through a NAT gateway or the internet.",
	"caching":                 "Reading a secret on every request costs money, risks throttling at the quota and hides real anomalies in the access logs.",
	outcome.CheckAccessDenied: "A principal was refused a secret: a misconfigured application, or someone probing for credentials they should not have.",
}

// WhyItMatters returns the sentence for a check ID.
func WhyItMatters(check string) string {
	if s, ok := matters[check]; ok {
		return s
	}
	return "secretguard's check " + check + " failed: the secret is off the organisation's baseline."
}

// sensitiveParam matches parameter names that could hold a value; events
// carry none, but a ticket must never show one even if a producer errs.
var sensitiveParam = regexp.MustCompile(`(?i)secretstring|secretbinary|password|passphrase|privatekey|apikey|apitoken|credential|plaintext`)

const maxParams = 400

// redactParams renders call parameters as compact JSON with values under
// sensitive names replaced, shortened to maxParams bytes.
func redactParams(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "(unparsed parameters omitted)"
	}
	out, err := json.Marshal(redact(v))
	if err != nil {
		return "(unparsed parameters omitted)"
	}
	return truncate(string(out), maxParams)
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if sensitiveParam.MatchString(k) {
				x[k] = "(redacted)"
			} else {
				x[k] = redact(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
	}
	return v
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
