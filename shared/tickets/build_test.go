package tickets

import (
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
)

const allSinks = `version: 1
classes: [{name: standard, maxRotationDays: 90}]
tickets:
  retentionDays: 14
  sinks:
    - type: opscenter
    - {type: securityhub, minSeverity: HIGH}
    - {type: jira, url: "https://example.atlassian.net", project: SEC, credentialsSecretArn: "` + jiraSecretARN + `"}
    - {type: sns, topicArn: "arn:aws:sns:us-east-1:123456789012:secretguard-tickets"}
    - {type: webhook, name: chatops, url: "https://hooks.example.com/x", signingSecretArn: "` + webhookSecretARN + `"}
`

func TestNewSinks(t *testing.T) {
	b, err := baseline.Parse([]byte(allSinks))
	if err != nil {
		t.Fatal(err)
	}
	c := Clients{OpsCenter: &fakeOps{}, SecurityHub: &fakeHub{}, SNS: &fakeSNS{}, Secrets: newFakeSecrets(), Account: "123456789012", Region: "us-east-1", Partition: "aws"}
	sinks, err := NewSinks(b.TicketsOrDefault(), c)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range sinks {
		names = append(names, s.Name())
	}
	if strings.Join(names, ",") != "opscenter,securityhub,jira,sns,chatops" {
		t.Errorf("sinks %v", names)
	}
	if sinks[1].Accepts("MEDIUM") || !sinks[1].Accepts("CRITICAL") || !sinks[0].Accepts("LOW") {
		t.Error("minSeverity not applied")
	}
	if j := sinks[2].(*Jira); j.IssueType != "Task" || j.URL != "https://example.atlassian.net" || j.Project != "SEC" {
		t.Errorf("jira %+v", j)
	}

	// Only the two credentials secrets may be read, each by its ARN.
	var readable []string
	for _, p := range Permissions(sinks) {
		for _, a := range p.Actions {
			if strings.HasPrefix(a, "secretsmanager:") {
				if a != "secretsmanager:GetSecretValue" {
					t.Errorf("unexpected action %s", a)
				}
				readable = append(readable, p.Resources...)
			}
			if strings.Contains(strings.Join(p.Resources, ","), "*") && !strings.HasSuffix(p.Resources[0], "opsitem/*") {
				t.Errorf("%s on %v: wildcard resource", a, p.Resources)
			}
		}
	}
	if strings.Join(readable, ",") != jiraSecretARN+","+webhookSecretARN {
		t.Errorf("GetSecretValue on %v", readable)
	}

	// Missing clients are init errors, one per sink.
	_, err = NewSinks(b.TicketsOrDefault(), Clients{})
	for _, want := range []string{"tickets.sinks[0] (opscenter): no SSM client", "tickets.sinks[1] (securityhub)", "tickets.sinks[2] (jira): no Secrets Manager client", "tickets.sinks[3] (sns)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	// The default: OpsCenter only.
	sinks, err = NewSinks(baseline.Default().TicketsOrDefault(), Clients{OpsCenter: &fakeOps{}})
	if err != nil || len(sinks) != 1 || sinks[0].Name() != "opscenter" {
		t.Errorf("default sinks %v, %v", sinks, err)
	}
}
