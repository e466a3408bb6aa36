package baseline

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Ticket sink types: where the notifier opens, updates and resolves tickets.
const (
	SinkOpsCenter   = "opscenter"   // AWS Systems Manager OpsCenter OpsItems
	SinkSecurityHub = "securityhub" // AWS Security Hub findings (ASFF)
	SinkJira        = "jira"        // Jira Cloud issues (REST API v3)
	SinkSNS         = "sns"         // an Amazon SNS topic
	SinkWebhook     = "webhook"     // an HTTPS endpoint, HMAC-SHA256 signed
)

// SinkTypes lists every sink type.
var SinkTypes = []string{SinkOpsCenter, SinkSecurityHub, SinkJira, SinkSNS, SinkWebhook}

// Severities a sink can filter on, lowest first (outcome.Severity values).
var Severities = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}

// Ticket defaults: a tickets section that is present takes these for its
// zero-valued fields (Parse applies them); an absent section means
// DefaultTickets (see TicketsOrDefault).
const (
	DefaultTicketRetentionDays = 30
	DefaultJiraIssueType       = "Task"
	DefaultSinkMinSeverity     = "LOW"
)

// Tickets says where the notifier sends what secretguard cannot or may not
// fix. Several sinks may be active at once; each keeps its own ticket per
// secret and check.
//
// The section is optional: nil (absent) means DefaultTickets, one OpsCenter
// sink. When present, Parse fills retentionDays (30), each sink's name (its
// type), minSeverity (LOW) and, for Jira, issueType (Task).
type Tickets struct {
	Sinks []Sink `yaml:"sinks" json:"sinks"`
	// RetentionDays is how long the notifier remembers processed event IDs
	// and resolved tickets (the DynamoDB TTL), so that duplicate and late
	// events stay harmless that long.
	RetentionDays int `yaml:"retentionDays" json:"retentionDays"`
}

// Sink is one destination for tickets. Type selects it; the other fields
// apply to some types only, and a field set for a type that does not use
// it is an error.
type Sink struct {
	Type string `yaml:"type" json:"type"`
	// Name tells sinks apart in the notifier's state and logs (default: the
	// type); two sinks of one type need distinct names.
	Name string `yaml:"name" json:"name"`
	// MinSeverity drops findings below it (LOW, MEDIUM, HIGH, CRITICAL).
	MinSeverity string `yaml:"minSeverity" json:"minSeverity"`

	// URL: jira (https://<site>.atlassian.net) and webhook (https://...).
	URL string `yaml:"url" json:"url"`
	// Project and IssueType: jira.
	Project   string `yaml:"project" json:"project"`
	IssueType string `yaml:"issueType" json:"issueType"`
	// CredentialsSecretARN: jira. The full ARN of a Secrets Manager secret
	// holding {"email": ..., "apiToken": ...}; only the notifier may read it.
	CredentialsSecretARN string `yaml:"credentialsSecretArn" json:"credentialsSecretArn"`
	// TopicARN: sns.
	TopicARN string `yaml:"topicArn" json:"topicArn"`
	// SigningSecretARN: webhook. The full ARN of a Secrets Manager secret
	// whose value is the HMAC-SHA256 key; only the notifier may read it.
	SigningSecretARN string `yaml:"signingSecretArn" json:"signingSecretArn"`
}

// DefaultTickets is what an absent tickets section means: one OpsCenter sink.
func DefaultTickets() Tickets {
	return Tickets{
		Sinks:         []Sink{{Type: SinkOpsCenter, Name: SinkOpsCenter, MinSeverity: DefaultSinkMinSeverity}},
		RetentionDays: DefaultTicketRetentionDays,
	}
}

// TicketsOrDefault returns the tickets section, or DefaultTickets when the
// baseline has none.
func (b *Baseline) TicketsOrDefault() Tickets {
	if b.Tickets == nil {
		return DefaultTickets()
	}
	return *b.Tickets
}

var (
	sinkNamePattern    = lazy(`^[a-z0-9][a-z0-9-]{0,62}$`)
	jiraProjectPattern = lazy(`^[A-Z][A-Z0-9_]{0,254}$`)
	snsTopicPattern    = lazy(`^arn:aws(?:-[a-z]+)*:sns:` + regionRE + `:` + accountRE + `:[A-Za-z0-9_-]{1,256}$`)
	// A secret's full ARN ends with a hyphen and six random characters;
	// IAM policies scoped to a partial ARN would not match it.
	secretARNPattern = lazy(`^arn:aws(?:-[a-z]+)*:secretsmanager:` + regionRE + `:` + accountRE + `:secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}$`)
)

// applyDefaults fills a present tickets section's zero-valued fields.
func (t *Tickets) applyDefaults() {
	if t == nil {
		return
	}
	if len(t.Sinks) == 0 {
		t.Sinks = DefaultTickets().Sinks
	}
	if t.RetentionDays == 0 {
		t.RetentionDays = DefaultTicketRetentionDays
	}
	for i := range t.Sinks {
		s := &t.Sinks[i]
		if s.Name == "" {
			s.Name = s.Type
		}
		if s.MinSeverity == "" {
			s.MinSeverity = DefaultSinkMinSeverity
		}
		if s.Type == SinkJira && s.IssueType == "" {
			s.IssueType = DefaultJiraIssueType
		}
	}
}

// tickets validates a tickets section; nil (absent) is valid.
func (v *validator) tickets(t *Tickets) {
	if t == nil {
		return
	}
	v.between("tickets.retentionDays", t.RetentionDays, 1, 365)
	if len(t.Sinks) == 0 {
		v.add("tickets.sinks", "must list at least one sink (omit tickets for the default, OpsCenter)")
	}
	names := map[string]int{}
	for i := range t.Sinks {
		s := &t.Sinks[i]
		p := fmt.Sprintf("tickets.sinks[%d]", i)
		if !slices.Contains(SinkTypes, s.Type) {
			v.add(p+".type", "must be one of %s, got %q", strings.Join(SinkTypes, ", "), s.Type)
		}
		switch j, dup := names[s.Name]; {
		case !sinkNamePattern.MatchString(s.Name):
			v.add(p+".name", "must be 1-63 lower-case letters, digits or hyphens, got %q", s.Name)
		case dup:
			v.add(p+".name", "duplicate sink name %q (also tickets.sinks[%d]); name sinks of the same type apart", s.Name, j)
		default:
			names[s.Name] = i
		}
		if !slices.Contains(Severities, s.MinSeverity) {
			v.add(p+".minSeverity", "must be one of %s, got %q", strings.Join(Severities, ", "), s.MinSeverity)
		}
		v.sinkFields(p, s)
	}
}

// sinkFields checks the type-specific fields: required ones are set and
// valid, the others are empty.
func (v *validator) sinkFields(p string, s *Sink) {
	fields := []struct {
		name, value string
		types       []string
		check       func(path, value string)
	}{
		{"url", s.URL, []string{SinkJira, SinkWebhook}, v.httpsURL},
		{"project", s.Project, []string{SinkJira}, func(path, val string) {
			if !jiraProjectPattern.MatchString(val) {
				v.add(path, "must be a Jira project key (upper-case letters, digits, _; starting with a letter), got %q", val)
			}
		}},
		{"issueType", s.IssueType, []string{SinkJira}, func(path, val string) {
			if strings.TrimSpace(val) == "" || len(val) > 255 {
				v.add(path, "must be a Jira issue type name of 1-255 characters")
			}
		}},
		{"credentialsSecretArn", s.CredentialsSecretARN, []string{SinkJira}, v.secretARN},
		{"topicArn", s.TopicARN, []string{SinkSNS}, func(path, val string) {
			if !snsTopicPattern.MatchString(val) {
				v.add(path, "must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got %q", val)
			}
		}},
		{"signingSecretArn", s.SigningSecretARN, []string{SinkWebhook}, v.secretARN},
	}
	for _, f := range fields {
		path := p + "." + f.name
		switch used := slices.Contains(f.types, s.Type); {
		case !used && f.value != "":
			if slices.Contains(SinkTypes, s.Type) {
				v.add(path, "is not used by sink type %s (only by %s)", s.Type, strings.Join(f.types, ", "))
			}
		case used && f.value == "":
			v.add(path, "is required for sink type %s", s.Type)
		case used:
			f.check(path, f.value)
		}
	}
}

func (v *validator) httpsURL(path, s string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		v.add(path, "is not a URL: %v", err)
	case u.Scheme != "https" || u.Host == "":
		v.add(path, "must be an https:// URL, got %q", s)
	case u.User != nil:
		v.add(path, "must not carry credentials; keep them in the Secrets Manager secret")
	case u.RawQuery != "" || u.Fragment != "":
		v.add(path, "must not have a query or fragment, got %q", s)
	}
}

func (v *validator) secretARN(path, s string) {
	if !secretARNPattern.MatchString(s) {
		v.add(path, "must be the full ARN of a Secrets Manager secret, with its six-character suffix (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf), got %q", s)
	}
}
