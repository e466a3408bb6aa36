package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// refusals says, for each malformed sample, the words its function's
// answer must contain: the problem, named. A new malformed-* file needs a
// line here. The not-json samples reach the handlers too (lambdaenv.Raw:
// the runtime does not decode the payload first), so each says what it
// expected.
var refusals = map[string]string{
	"events/accesswatch/malformed-not-cloudtrail.json":       `detail-type "Object Created": want "AWS API Call via CloudTrail"`,
	"events/accesswatch/malformed-not-json.json":             `not an EventBridge event: unexpected end of JSON input`,
	"events/config/malformed-bad-parameter-value.json":       `"maxRotationDays": "thirty" is not a whole number`,
	"events/config/malformed-missing-check.json":             `rule parameter "check" is missing`,
	"events/config/malformed-missing-result-token.json":      `no resultToken`,
	"events/config/malformed-no-rule-parameters.json":        `rule parameter "check" is missing`,
	"events/config/malformed-not-config.json":                `not an AWS Config rule event`,
	"events/config/malformed-not-json.json":                  `invalid character`,
	"events/config/malformed-other-resource-type.json":       `AWS::S3::Bucket is not AWS::SecretsManager::Secret`,
	"events/config/malformed-unknown-check.json":             `unknown check "rotation-sched"`,
	"events/config/malformed-unknown-message-type.json":      `unknown messageType "ConfigurationSnapshotDeliveryCompleted"`,
	"events/config/malformed-unknown-parameter.json":         `unknown rule parameter "maxRotationDay"`,
	"events/notifier/malformed-missing-id.json":              `detail.id is empty`,
	"events/notifier/malformed-not-json.json":                `not an EventBridge event: unexpected end of JSON input`,
	"events/notifier/malformed-unknown-detail-type.json":     `unknown detail-type "Secret Exploded"`,
	"events/notifier/malformed-wrong-source.json":            `source "aws.secretsmanager", want "secretguard"`,
	"events/remediator/malformed-cloudtrail-no-secret.json":  `TagResource names no secret`,
	"events/remediator/malformed-config-no-resource.json":    `without resourceId`,
	"events/remediator/malformed-direct-bad-arn.json":        `service is "s3", want secretsmanager`,
	"events/remediator/malformed-direct-unknown-field.json":  `unknown field "force"`,
	"events/remediator/malformed-eventbridge-no-detail.json": `has no detail`,
	"events/remediator/malformed-not-json.json":              `not a JSON object: unexpected end of JSON input`,
	"events/remediator/malformed-sweep-and-secret.json":      `a sweep takes no secretId`,
	"events/remediator/malformed-sweep-bad-region.json":      `"Virginia" is not a Region`,
	"events/remediator/malformed-unknown-shape.json":         `neither an EventBridge event`,
	"events/revoker/malformed-bad-break-glass.json":          `is not an IAM role ARN`,
	"events/revoker/malformed-bad-incident.json":             `incidentId "INC 42; drop"`,
	"events/revoker/malformed-bad-secret-id.json":            `service is "s3", want secretsmanager`,
	"events/revoker/malformed-missing-incident.json":         `incidentId is required`,
	"events/revoker/malformed-missing-reason.json":           `reason is required`,
	"events/revoker/malformed-no-secrets.json":               `name the secrets`,
	"events/revoker/malformed-not-json.json":                 `not a revoke request: unexpected EOF`,
	"events/revoker/malformed-secrets-and-tags.json":         `give secrets or tagFilter, not both`,
	"events/revoker/malformed-too-many-secrets.json":         `the cap is 20 per invocation`,
	"events/revoker/malformed-unknown-field.json":            `unknown field "dryrun"`,
	"events/revoker/malformed-wrong-type.json":               `cannot unmarshal string`,
	"events/workloads/malformed-config-no-resource.json":     `rule secretguard-vpc-endpoint without resourceId`,
	"events/workloads/malformed-direct-bad-account.json":     `resource.accountId "1111-2222-3333" is not a 12-digit account ID`,
	"events/workloads/malformed-direct-bad-region.json":      `resource.region "Ireland" is not a Region`,
	"events/workloads/malformed-direct-no-resource-id.json":  `resource.resourceId is missing`,
	"events/workloads/malformed-direct-secret-check.json":    `resource.check "rotation-enabled" is a secret check`,
	"events/workloads/malformed-direct-unknown-check.json":   `resource.check "vpc-endpoints" is not a workload or account check`,
	"events/workloads/malformed-direct-unknown-field.json":   `unknown field "resourceArn"`,
	"events/workloads/malformed-not-json.json":               `not a JSON object: unexpected end of JSON input`,
}

// answer is what a function says about a payload it cannot use: Lambda's
// error payload, the remediator's terminal error (returned, not raised, so
// that Lambda does not retry it), or the evaluator's reason for skipping
// an event outside the rule's scope.
type answer struct {
	ErrorMessage string `json:"errorMessage"`
	Error        string `json:"error"`
	Skipped      string `json:"skipped"`
}

func (a answer) refusal() string { return a.ErrorMessage + a.Error + a.Skipped }

// TestSamples sends every file in events/ to the built binary it belongs
// to, in a freshly seeded account (samples are adapted to its ARNs):
// every event is accepted and every malformed-* one refused, by name.
func TestSamples(t *testing.T) {
	l := newLab(t)
	samples, err := l.Samples()
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) < 40 {
		t.Fatalf("found %d samples in events/, want every function's", len(samples))
	}
	ctx := testContext(t, 2*time.Minute)
	for _, s := range samples {
		t.Run(strings.TrimPrefix(s.File, "events/"), func(t *testing.T) {
			inv, err := l.Functions[s.Function].Invoke(ctx, s.Payload)
			if err != nil {
				t.Fatalf("%s: %v", s.Function, err)
			}
			var a answer
			_ = json.Unmarshal(inv.Payload, &a)
			if !s.Malformed {
				if a.ErrorMessage != "" || a.Error != "" {
					t.Fatalf("%s refused %s: %s", s.Function, s.File, inv.Payload)
				}
				checkBatch(t, s.File, inv.Payload)
				return
			}
			want, ok := refusals[s.File]
			switch {
			case !ok:
				t.Fatalf("%s is new: add to refusals the words %s's answer must contain; it answered %s", s.File, s.Function, inv.Payload)
			case a.refusal() == "":
				t.Fatalf("%s accepted %s: %s", s.Function, s.File, inv.Payload)
			case !strings.Contains(a.refusal(), want):
				t.Fatalf("%s refused %s without naming the problem: got %q, want it to contain %q", s.Function, s.File, a.refusal(), want)
			}
		})
	}
}

// checkBatch checks the SQS batch samples: only the malformed record fails.
func checkBatch(t *testing.T, file string, payload []byte) {
	t.Helper()
	want, ok := map[string][]string{
		"events/notifier/sqs-batch.json":   {"2e1424d4-f796-459a-8184-9c92662be6da"}, // malformed-missing-id, retried then DLQ
		"events/remediator/sqs-batch.json": {},                                       // the malformed body is dropped, not retried
		"events/workloads/sqs-batch.json":  {},                                       // likewise
	}[file]
	if !ok {
		return
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		t.Fatalf("not an SQS batch response: %s", payload)
	}
	var got []string
	for _, f := range resp.BatchItemFailures {
		got = append(got, f.ItemIdentifier)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("batchItemFailures %v, want %v", got, want)
	}
}

// TestGarbage sends each binary payloads that are no event at all: each
// says what it expected, and keeps serving.
func TestGarbage(t *testing.T) {
	l := newLab(t)
	ctx := testContext(t, time.Minute)
	tests := []struct {
		function, payload, want string
	}{
		{"evaluator", `{}`, "not an AWS Config rule event"},
		{"evaluator", `{"invokingEvent":"{}","ruleParameters":"{\"check\":\"cmk\"}","resultToken":"x"}`, "messageType"},
		{"notifier", `{}`, `source "", want "secretguard"`},
		{"notifier", `{"Records":[]}`, `source "", want "secretguard"`},
		{"remediator", `{}`, "neither an EventBridge event"},
		{"remediator", `{"secretId":""}`, "empty secret ID"},
		{"workloads", `{}`, "neither an EventBridge event"},
		{"workloads", `{"resource":{}}`, "resource.check is missing"},
		{"revoker", `{}`, "name the secrets"},
		{"revoker", `[]`, "not a revoke request"},
	}
	for _, tt := range tests {
		t.Run(tt.function+" "+tt.payload, func(t *testing.T) {
			f := l.Functions[tt.function]
			inv, err := f.Invoke(ctx, []byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			var a answer
			_ = json.Unmarshal(inv.Payload, &a)
			if !strings.Contains(a.refusal(), tt.want) {
				t.Fatalf("%s answered %s, want a refusal containing %q", tt.function, inv.Payload, tt.want)
			}
		})
	}
}

// TestRouting sends each of the two reconciling functions a trigger the
// other serves: each skips it, naming the function that serves it, and
// answers without error (no retry, nothing lost silently).
func TestRouting(t *testing.T) {
	l := newLab(t)
	ctx := testContext(t, time.Minute)
	tests := []struct {
		function, sample, want string
	}{
		{"remediator", "events/workloads/config-vpc-endpoint-noncompliant.json", "rule secretguard-vpc-endpoint is a workload or account check: secretguard-workloads serves it"},
		{"remediator", "events/workloads/direct-vpc-endpoint.json", "check vpc-endpoint is a workload or account check: secretguard-workloads serves it"},
		{"workloads", "events/remediator/config-noncompliant.json", "secretguard-remediator serves secret reconciles"},
		{"workloads", "events/remediator/sweep.json", "secretguard-remediator serves secret reconciles"},
	}
	for _, tt := range tests {
		t.Run(tt.function+" "+tt.sample, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(l.Root, tt.sample))
			if err != nil {
				t.Fatal(err)
			}
			inv, err := l.Functions[tt.function].Invoke(ctx, l.Adapt(b))
			if err != nil {
				t.Fatal(err)
			}
			var a answer
			_ = json.Unmarshal(inv.Payload, &a)
			if a.ErrorMessage != "" || a.Error != "" || !strings.Contains(a.Skipped, tt.want) {
				t.Fatalf("%s answered %s, want skipped: %q", tt.function, inv.Payload, tt.want)
			}
		})
	}
}
