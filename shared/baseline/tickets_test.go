package baseline

import (
	"reflect"
	"strings"
	"testing"
)

const jiraARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:secretguard/jira-AbCdEf"

func TestTicketsAbsentMeansOpsCenter(t *testing.T) {
	b, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if b.Tickets != nil {
		t.Fatalf("Tickets = %+v, want nil for an absent section", b.Tickets)
	}
	want := Tickets{Sinks: []Sink{{Type: SinkOpsCenter, Name: "opscenter", MinSeverity: "LOW"}}, RetentionDays: 30}
	if got := b.TicketsOrDefault(); !reflect.DeepEqual(got, want) {
		t.Errorf("TicketsOrDefault = %+v, want %+v", got, want)
	}
	if got := Default().TicketsOrDefault(); !reflect.DeepEqual(got, want) {
		t.Errorf("Default().TicketsOrDefault = %+v", got)
	}
}

func TestTicketsDefaults(t *testing.T) {
	b, err := Parse([]byte(doc(`tickets:
  sinks:
    - {type: jira, url: "https://example.atlassian.net", project: SEC, credentialsSecretArn: "` + jiraARN + `"}
    - {type: securityhub, minSeverity: HIGH}
`)))
	if err != nil {
		t.Fatal(err)
	}
	want := &Tickets{RetentionDays: 30, Sinks: []Sink{
		{Type: SinkJira, Name: "jira", MinSeverity: "LOW", URL: "https://example.atlassian.net", Project: "SEC", IssueType: "Task", CredentialsSecretARN: jiraARN},
		{Type: SinkSecurityHub, Name: "securityhub", MinSeverity: "HIGH"},
	}}
	if !reflect.DeepEqual(b.Tickets, want) {
		t.Errorf("Tickets =\n%+v\nwant\n%+v", b.Tickets, want)
	}
	// An empty list takes the default sink.
	b, err = Parse([]byte(doc("tickets: {sinks: [], retentionDays: 7}\n")))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.TicketsOrDefault(); got.RetentionDays != 7 || len(got.Sinks) != 1 || got.Sinks[0].Type != SinkOpsCenter {
		t.Errorf("empty sinks: %+v", got)
	}
}

func TestTicketsValidate(t *testing.T) {
	for _, tc := range []struct{ name, extra, want string }{
		{"unknown type", "tickets: {sinks: [{type: slack}]}\n", `tickets.sinks[0].type: must be one of opscenter, securityhub, jira, sns, webhook, got "slack"`},
		{"unknown field", "tickets: {sinks: [{type: sns, topic: x}]}\n", `unknown field "topic"`},
		{"retention", "tickets: {retentionDays: 400}\n", "tickets.retentionDays: must be between 1 and 365, got 400"},
		{"duplicate name", "tickets: {sinks: [{type: opscenter}, {type: opscenter}]}\n", `tickets.sinks[1].name: duplicate sink name "opscenter" (also tickets.sinks[0])`},
		{"bad name", "tickets: {sinks: [{type: opscenter, name: Ops_Center}]}\n", `tickets.sinks[0].name: must be 1-63 lower-case letters`},
		{"severity", "tickets: {sinks: [{type: opscenter, minSeverity: high}]}\n", `tickets.sinks[0].minSeverity: must be one of LOW, MEDIUM, HIGH, CRITICAL, got "high"`},
		{"field of another type", "tickets: {sinks: [{type: opscenter, topicArn: 'arn:aws:sns:us-east-1:111122223333:t'}]}\n", "tickets.sinks[0].topicArn: is not used by sink type opscenter (only by sns)"},
		{"jira needs url", "tickets: {sinks: [{type: jira, project: SEC, credentialsSecretArn: '" + jiraARN + "'}]}\n", "tickets.sinks[0].url: is required for sink type jira"},
		{"jira http", "tickets: {sinks: [{type: jira, url: 'http://jira.example.com', project: SEC, credentialsSecretArn: '" + jiraARN + "'}]}\n", `tickets.sinks[0].url: must be an https:// URL, got "http://jira.example.com"`},
		{"jira url credentials", "tickets: {sinks: [{type: jira, url: 'https://me:pw@jira.example.com', project: SEC, credentialsSecretArn: '" + jiraARN + "'}]}\n", "tickets.sinks[0].url: must not carry credentials"},
		{"jira project", "tickets: {sinks: [{type: jira, url: 'https://x.atlassian.net', project: sec, credentialsSecretArn: '" + jiraARN + "'}]}\n", `tickets.sinks[0].project: must be a Jira project key`},
		{"jira partial secret arn", "tickets: {sinks: [{type: jira, url: 'https://x.atlassian.net', project: SEC, credentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:jira'}]}\n", "tickets.sinks[0].credentialsSecretArn: must be the full ARN of a Secrets Manager secret"},
		{"sns needs topic", "tickets: {sinks: [{type: sns}]}\n", "tickets.sinks[0].topicArn: is required for sink type sns"},
		{"sns topic arn", "tickets: {sinks: [{type: sns, topicArn: 'arn:aws:sqs:us-east-1:111122223333:q'}]}\n", "tickets.sinks[0].topicArn: must be an SNS topic ARN"},
		{"webhook needs key", "tickets: {sinks: [{type: webhook, url: 'https://h.example.com/x'}]}\n", "tickets.sinks[0].signingSecretArn: is required for sink type webhook"},
		{"webhook query", "tickets: {sinks: [{type: webhook, url: 'https://h.example.com/x?token=1', signingSecretArn: '" + jiraARN + "'}]}\n", "tickets.sinks[0].url: must not have a query or fragment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(doc(tc.extra)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestTicketsValidateInCode(t *testing.T) {
	b := Default()
	b.Tickets = &Tickets{Sinks: []Sink{{Type: SinkSNS}}}
	err := b.Validate() // no defaults: name, severity, retention are missing
	for _, want := range []string{"tickets.retentionDays: must be between 1 and 365, got 0", "tickets.sinks[0].name: must be", "tickets.sinks[0].minSeverity", "tickets.sinks[0].topicArn: is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
	b.Tickets = nil
	if err := b.Validate(); err != nil {
		t.Errorf("nil tickets: %v", err)
	}
}

// TestTicketsDefaultYAMLExample keeps the commented example in default.yaml
// valid: uncommented, it must parse.
func TestTicketsDefaultYAMLExample(t *testing.T) {
	var lines []string
	in := false
	for _, l := range strings.Split(string(defaultYAML), "\n") {
		if strings.HasPrefix(l, "# tickets:") {
			in = true
		}
		if in {
			if !strings.HasPrefix(l, "#") {
				break
			}
			lines = append(lines, strings.TrimPrefix(strings.TrimPrefix(l, "#"), " "))
		}
	}
	if len(lines) < 5 {
		t.Fatalf("no commented tickets example in default.yaml")
	}
	b, err := Parse([]byte(doc(strings.Join(lines, "\n") + "\n")))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, s := range b.Tickets.Sinks {
		types = append(types, s.Type+"/"+s.Name)
	}
	want := []string{"opscenter/opscenter", "securityhub/securityhub", "jira/jira", "sns/sns", "webhook/chatops"}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("sinks %v, want %v", types, want)
	}
}
