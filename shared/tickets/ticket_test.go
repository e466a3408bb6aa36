package tickets

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/outcome"
)

func TestParseEverySample(t *testing.T) {
	entries, err := os.ReadDir(eventsDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") || name == "sqs-batch.json" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			ev, err := ParseEvent(readSample(t, name))
			if strings.HasPrefix(name, "malformed-") {
				if !errors.Is(err, ErrInvalidEvent) {
					t.Fatalf("ParseEvent = %v, want ErrInvalidEvent", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			seen[ev.DetailType] = true
			if ev.Source != "secretguard" || ev.Detail.ID == "" || ev.Detail.Time.IsZero() || len(ev.Resources) != 1 || ev.Resources[0] != ev.Detail.SecretARN {
				t.Errorf("event %+v", ev)
			}
		})
	}
	for _, dt := range outcome.DetailTypes {
		if !seen[dt] {
			t.Errorf("no sample for detail-type %q", dt)
		}
	}
}

func TestTicketContent(t *testing.T) {
	tk := NewTicket(sample(t, "needs-attention.json"), Options{WaiverTagPrefix: "secretguard:waive:", WaiverMaxDays: 365})
	text := tk.Doc(ActionOpen).Text()
	for _, want := range []string{
		"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/payments/stripe-key-a1B2c3",
		"Account: 111122223333, Region: us-east-1",
		"Owner: team-payments",
		"Check: `rotation-enabled` (severity HIGH)",
		"Why it matters: " + matters["rotation-enabled"],
		"The check's mode is ticket",                       // detail.why
		"aws secretsmanager rotate-secret --secret-id",     // detail.fix
		`secretguard:waive:rotation-enabled = "2026-06-30`, // detail.waiver
		"at most 365 days ahead",
		"https://console.aws.amazon.com/secretsmanager/secret?name=prod%2Fpayments%2Fstripe-key&region=us-east-1",
		"Event rem-20260302-0001 (Secret Needs Attention) at 2026-03-02T10:00:00Z",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("ticket lacks %q\n%s", want, text)
		}
	}
	if tk.Title() != "secretguard: rotation-enabled fails on secret prod/payments/stripe-key (111122223333, us-east-1)" {
		t.Errorf("title %q", tk.Title())
	}

	// Calls show what secretguard did, with the outcome.
	failed := NewTicket(sample(t, "remediation-failed.json"), Options{}).Doc(ActionOpen).Text()
	if !strings.Contains(failed, "`secretsmanager:UpdateSecret` `{\"KmsKeyId\"") || !strings.Contains(failed, "→ AccessDeniedException") {
		t.Errorf("calls missing:\n%s", failed)
	}
	// A resolution says so and lists the fix that was applied.
	res := NewTicket(sample(t, "remediated.json"), Options{}).Doc(ActionResolve).Text()
	if !strings.HasPrefix(res, "Resolved: check rotation-enabled passes again") || !strings.Contains(res, "`secretsmanager:RotateSecret`") {
		t.Errorf("resolution:\n%s", res)
	}
	// Without a waiver in the event, the baseline's prefix makes the hint.
	e := sample(t, "needs-attention.json")
	e.Detail.Waiver, e.Detail.Owner = "", ""
	tk = NewTicket(e, Options{WaiverTagPrefix: "waive:"})
	if tk.Waiver != `waive:rotation-enabled = "YYYY-MM-DD reason"` || !strings.Contains(tk.Doc(ActionOpen).Text(), "Owner: no owner tag") {
		t.Errorf("waiver %q", tk.Waiver)
	}
	// A revocation is CRITICAL, has no waiver and is never closed by secretguard.
	rev := NewTicket(sample(t, "revoked.json"), Options{WaiverTagPrefix: "waive:"})
	if rev.Check != RevokedCheck || rev.Severity != outcome.SeverityCritical || rev.Waiver != "" ||
		!strings.Contains(rev.Doc(ActionOpen).Text(), "Incident: INC-4711") || !strings.Contains(rev.Doc(ActionOpen).Text(), "does not close this ticket") {
		t.Errorf("revoked ticket %+v", rev)
	}
}

func TestConsoleURL(t *testing.T) {
	for _, tc := range []struct{ partition, region, name, want string }{
		{"aws", "us-east-1", "prod/db pass+word", "https://console.aws.amazon.com/secretsmanager/secret?name=prod%2Fdb+pass%2Bword&region=us-east-1"},
		{"aws-cn", "cn-north-1", "app/key", "https://console.amazonaws.cn/secretsmanager/secret?name=app%2Fkey&region=cn-north-1"},
		{"aws-us-gov", "us-gov-west-1", "a&b=c", "https://console.amazonaws-us-gov.com/secretsmanager/secret?name=a%26b%3Dc&region=us-gov-west-1"},
		{"aws-iso", "us-iso-east-1", "x", ""},
		{"aws", "us-east-1", "", ""},
	} {
		if got := ConsoleURL(tc.partition, tc.region, tc.name); got != tc.want {
			t.Errorf("ConsoleURL(%s, %s, %q) = %q, want %q", tc.partition, tc.region, tc.name, got, tc.want)
		}
	}
	// Partition, account and Region come from the ARN when the detail lacks them.
	e := sample(t, "needs-attention.json")
	e.Detail.SecretARN = "arn:aws-us-gov:secretsmanager:us-gov-west-1:444455556666:secret:gov/key-AbC123"
	e.Detail.Partition, e.Detail.Region, e.Detail.AccountID, e.Detail.SecretName = "", "", "", ""
	tk := NewTicket(e, Options{})
	if tk.Partition != "aws-us-gov" || tk.Region != "us-gov-west-1" || tk.AccountID != "444455556666" || tk.SecretName != "gov/key" ||
		tk.ConsoleURL != "https://console.amazonaws-us-gov.com/secretsmanager/secret?name=gov%2Fkey&region=us-gov-west-1" {
		t.Errorf("ticket %+v", tk)
	}
}

func TestWhyItMattersCoversEveryCheck(t *testing.T) {
	ids := append(baseline.AllCheckIDs(), RevokedCheck, outcome.CheckAccessDenied)
	for _, id := range ids {
		s, ok := matters[id]
		if !ok || strings.Count(s, ". ") > 0 || !strings.HasSuffix(s, ".") {
			t.Errorf("check %s: %q is not one sentence", id, s)
		}
	}
	if len(matters) != len(ids) {
		t.Errorf("matters has %d entries for %d checks", len(matters), len(ids))
	}
	if !strings.Contains(WhyItMatters("future-check"), "future-check") {
		t.Error("unknown check")
	}
}

// whitelisted are the outcome.Detail fields a ticket may show; excluded
// those it must not. A field added to the contract fails this test until
// it is put in one list.
var (
	whitelisted = []string{"ID", "SecretARN", "SecretName", "AccountID", "Region", "Partition", "Owner", "Check", "Compliance",
		"Annotation", "Why", "Remedy", "Calls", "Fix", "Waiver", "DryRun", "IncidentID", "Time"}
	excluded = []string{"Severity", "Before", "After", "Report", "Caller"} // Caller: the access-denied annotation already names it
)

const canary = "CANARY-7f3a"

// TestRendererUsesOnlyWhitelistedFields plants a canary in every field of
// the detail that is not whitelisted (and under sensitive parameter names
// of a call), runs every sink, and asserts that no request carries it.
func TestRendererUsesOnlyWhitelistedFields(t *testing.T) {
	dt := reflect.TypeOf(outcome.Detail{})
	for i := 0; i < dt.NumField(); i++ {
		name := dt.Field(i).Name
		if !contains(whitelisted, name) && !contains(excluded, name) {
			t.Errorf("outcome.Detail.%s is neither whitelisted nor excluded: decide whether tickets may show it", name)
		}
	}

	e := sample(t, "remediation-failed.json")
	d := e.Detail
	d.Severity = canary
	state := &outcome.State{RotationLambdaARN: canary, RotationSchedule: canary, KMSKeyID: canary, ResourcePolicy: canary,
		Tags: map[string]string{canary: canary}, Replicas: []string{canary}}
	d.Before, d.After = state, state
	d.Report = json.RawMessage(`{"value":"` + canary + `"}`)
	d.Calls = append(d.Calls, outcome.Call{Service: "secretsmanager", Operation: "PutSecretValue",
		Params: json.RawMessage(`{"SecretId":"x","SecretString":"` + canary + `","Nested":[{"Password":"` + canary + `"}]}`), Outcome: "ok"})
	tk := NewTicket(e, Options{WaiverTagPrefix: "waive:", WaiverMaxDays: 30})

	var payloads []string
	ops, hub, topic := &fakeOps{}, &fakeHub{}, &fakeSNS{}
	fj := newFakeJira(t, jiraEmail, jiraToken)
	rcv := newReceiver(t, webhookKey)
	secrets := newFakeSecrets(jiraSecretARN, `{"email":"`+jiraEmail+`","apiToken":"`+jiraToken+`"}`, webhookSecretARN, webhookKey)
	sinks := []Sink{
		NewOpsCenter("ops", "", ops), NewSecurityHub("hub", "", hub, "123456789012", "us-east-1", "aws"), NewSNS("sns", "", topic, "arn:aws:sns:us-east-1:123456789012:t"),
		NewJira("jira", "", fj.URL, "SEC", "Task", jiraSecretARN, secrets, fj.Client()),
		NewWebhook("hook", "", rcv.URL, webhookSecretARN, secrets, rcv.Client()),
	}
	for _, s := range sinks {
		ref, err := s.Open(ctxT(t), "", tk)
		if err == nil {
			_, err = s.Update(ctxT(t), ref, tk)
		}
		if err == nil {
			_, err = s.Resolve(ctxT(t), ref, tk)
		}
		if err != nil {
			t.Fatalf("%s: %v", s.Name(), err)
		}
	}
	for _, v := range []any{ops.creates, ops.updates, hub.imports, hub.updates, topic.published} {
		b, _ := json.Marshal(v)
		payloads = append(payloads, string(b))
	}
	for _, r := range fj.requests {
		payloads = append(payloads, string(r.Body))
	}
	for _, b := range rcv.bodies {
		payloads = append(payloads, string(b))
	}
	if len(payloads) < 10 {
		t.Fatalf("only %d payloads captured", len(payloads))
	}
	for i, p := range payloads {
		if strings.Contains(p, canary) {
			t.Errorf("payload %d carries a non-whitelisted field:\n%s", i, p)
		}
	}
	if !strings.Contains(strings.Join(payloads, ""), `\"SecretString\":\"(redacted)\"`) {
		t.Error("sensitive call parameters were not shown redacted")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestNameFromARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123": "prod/db",
		"arn:aws:secretsmanager:us-east-1:111122223333:secret:short":          "short",
		"arn:aws:sns:us-east-1:111122223333:topic":                            "",
		"not-an-arn": "",
	} {
		if got := NameFromARN(arn); got != want {
			t.Errorf("NameFromARN(%s) = %q, want %q", arn, got, want)
		}
	}
}
