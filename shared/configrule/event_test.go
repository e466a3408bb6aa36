package configrule

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const samples = "../../events/config"

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samples, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeSamples decodes every sample event; a sample without an
// expectation here fails the test, so new samples get one.
func TestDecodeSamples(t *testing.T) {
	type want struct {
		msg, check, status, account, resourceType string
		leftScope                                 bool
		err                                       string // substring; "" = decodes
	}
	const secretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db/orders-AbCdEf"
	tests := map[string]want{
		"change.json":                         {msg: MessageChange, check: "rotation-schedule", status: StatusOK, account: "123456789012", resourceType: ResourceType},
		"change-created.json":                 {msg: MessageChange, check: "rotation-schedule", status: StatusResourceDiscovered, account: "123456789012", resourceType: ResourceType},
		"change-deleted.json":                 {msg: MessageChange, check: "rotation-schedule", status: StatusResourceDeleted, account: "123456789012", resourceType: ResourceType},
		"change-not-recorded.json":            {msg: MessageChange, check: "rotation-schedule", status: StatusResourceNotRecorded, account: "123456789012", resourceType: ResourceType},
		"change-deleted-not-recorded.json":    {msg: MessageChange, check: "rotation-schedule", status: StatusResourceDeletedNotRecorded, account: "123456789012", resourceType: ResourceType},
		"change-left-scope.json":              {msg: MessageChange, check: "rotation-schedule", status: StatusOK, account: "123456789012", resourceType: ResourceType, leftScope: true},
		"change-overrides.json":               {msg: MessageChange, check: "required-tags", status: StatusOK, account: "123456789012", resourceType: ResourceType},
		"change-cross-account.json":           {msg: MessageChange, check: "rotation-schedule", status: StatusOK, account: "111122223333", resourceType: ResourceType},
		"oversized.json":                      {msg: MessageOversized, check: "rotation-schedule", status: StatusOK, account: "123456789012", resourceType: ResourceType},
		"scheduled.json":                      {msg: MessageScheduled, check: "rotation-schedule", account: "123456789012"},
		"scheduled-cross-account.json":        {msg: MessageScheduled, check: "rotation-schedule", account: "111122223333"},
		"scheduled-continuation.json":         {msg: MessageScheduled, check: "rotation-schedule", account: "123456789012"},
		"change-lambda.json":                  {msg: MessageChange, check: "no-plaintext-lambda-env", status: StatusOK, account: "123456789012", resourceType: "AWS::Lambda::Function"},
		"scheduled-account.json":              {msg: MessageScheduled, check: "vpc-endpoint", account: "123456789012"},
		"malformed-other-resource-type.json":  {msg: MessageChange, check: "rotation-schedule", status: StatusOK, account: "123456789012", resourceType: "AWS::S3::Bucket"},
		"malformed-not-json.json":             {err: "not a JSON object"},
		"malformed-not-config.json":           {err: "no invokingEvent member (it looks like an EventBridge event)"},
		"malformed-unknown-message-type.json": {err: `unknown messageType "ConfigurationSnapshotDeliveryCompleted"`},
		"malformed-missing-check.json":        {err: `rule parameter "check" is missing`},
		"malformed-no-rule-parameters.json":   {err: `rule parameter "check" is missing`},
		"malformed-unknown-check.json":        {err: `unknown check "rotation-sched"`},
		"malformed-unknown-parameter.json":    {err: `unknown rule parameter "maxRotationDay"`},
		"malformed-bad-parameter-value.json":  {err: `"maxRotationDays": "thirty" is not a whole number`},
		"malformed-missing-result-token.json": {err: "no resultToken"},
	}
	files, err := filepath.Glob(filepath.Join(samples, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			w, ok := tests[name]
			if !ok {
				t.Fatalf("sample %s has no expectation in this test", name)
			}
			inv, err := Decode(readSample(t, name))
			if w.err != "" {
				if err == nil || !strings.Contains(err.Error(), w.err) {
					t.Fatalf("Decode error = %v, want %q", err, w.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if inv.MessageType != w.msg || inv.Params.Check != w.check || inv.AccountID() != w.account || inv.Region() != "us-east-1" {
				t.Fatalf("decoded %s/%s/%s/%s", inv.MessageType, inv.Params.Check, inv.AccountID(), inv.Region())
			}
			if inv.Event.EventLeftScope != w.leftScope || inv.Event.ResultToken == "" || inv.RuleName() == "" {
				t.Fatalf("event %+v", inv.Event)
			}
			switch w.msg {
			case MessageScheduled:
				if inv.Scheduled == nil || inv.Scheduled.NotificationTime.IsZero() || inv.Item != nil {
					t.Fatalf("scheduled %+v item %+v", inv.Scheduled, inv.Item)
				}
			default:
				ci := inv.Item
				if ci == nil || ci.Status != w.status || ci.ResourceType != w.resourceType || ci.CaptureTime.IsZero() || ci.ResourceID == "" {
					t.Fatalf("item %+v", ci)
				}
				if w.resourceType == ResourceType && w.account == "123456789012" && ci.SecretID() != secretARN {
					t.Fatalf("secret ID %q", ci.SecretID())
				}
			}
		})
	}
}

func TestDecodeDetails(t *testing.T) {
	inv, err := Decode(readSample(t, "change.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := inv.Item.CaptureTime; !got.Equal(time.Date(2026, 3, 2, 9, 15, 27, 501e6, time.UTC)) {
		t.Fatalf("capture time %v", got)
	}
	inv, err = Decode(readSample(t, "scheduled-continuation.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := inv.Event.Continuation
	if c == nil || c.Hop != 3 || c.EvaluatedSoFar != 12000 || c.StartToken == "" || c.ChainStartedAt.IsZero() {
		t.Fatalf("continuation %+v", c)
	}
	inv, err = Decode(readSample(t, "change-overrides.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := inv.Params
	if *p.MaxRotationDays != 30 || *p.UnusedDays != 60 || *p.RotatedRecentlyDays != 45 || strings.Join(p.RequiredTags, ",") != "owner,cost-center" {
		t.Fatalf("params %+v", p)
	}
}

func TestDecodeBadInput(t *testing.T) {
	change := string(readSample(t, "change.json"))
	tests := []struct {
		name, payload, want string
		notConfig           bool
	}{
		{"empty", "", "payload is empty", true},
		{"array", `[1,2]`, "not a JSON object", true},
		{"no invokingEvent", `{"resultToken":"x"}`, "no invokingEvent", true},
		{"empty invokingEvent", `{"invokingEvent":"","ruleParameters":"{\"check\":\"cmk\"}","resultToken":"x"}`, "invokingEvent is empty", true},
		{"invokingEvent not JSON", `{"invokingEvent":"{","ruleParameters":"{\"check\":\"cmk\"}","resultToken":"x"}`, "invokingEvent is not a JSON object", false},
		{"no messageType", `{"invokingEvent":"{}","ruleParameters":"{\"check\":\"cmk\"}","resultToken":"x"}`, "no messageType", false},
		{"change without item", `{"invokingEvent":"{\"messageType\":\"ConfigurationItemChangeNotification\"}","ruleParameters":"{\"check\":\"cmk\"}","resultToken":"x"}`, "no configurationItem", false},
		{"oversized without summary", `{"invokingEvent":"{\"messageType\":\"OversizedConfigurationItemChangeNotification\"}","ruleParameters":"{\"check\":\"cmk\"}","resultToken":"x"}`, "no configurationItemSummary", false},
		{"blank token", `{"invokingEvent":"{\"messageType\":\"ScheduledNotification\"}","ruleParameters":"{\"check\":\"cmk\"}","resultToken":"  "}`, "no resultToken", false},
		{"continuation on change", strings.Replace(change, `"version": "1.0",`, `"version": "1.0", "secretguardContinuation": {"startToken":"t","hop":1,"chainStartedAt":"2026-01-01T00:00:00Z"},`, 1), "only a scheduled sweep hands over", false},
		{"continuation incomplete", `{"invokingEvent":"{\"messageType\":\"ScheduledNotification\"}","ruleParameters":"{\"check\":\"cmk\"}","resultToken":"x","secretguardContinuation":{"hop":1}}`, "secretguardContinuation is incomplete", false},
		{"params trailing data", `{"invokingEvent":"{\"messageType\":\"ScheduledNotification\"}","ruleParameters":"{\"check\":\"cmk\"} {}","resultToken":"x"}`, "data after the JSON object", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.payload))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if errors.Is(err, ErrNotConfigEvent) != tt.notConfig {
				t.Fatalf("errors.Is(ErrNotConfigEvent) = %v, want %v", !tt.notConfig, tt.notConfig)
			}
		})
	}
}

func ExampleDecode() {
	payload := []byte(`{
	  "invokingEvent": "{\"awsAccountId\":\"123456789012\",\"notificationCreationTime\":\"2026-03-02T00:00:00.373Z\",\"messageType\":\"ScheduledNotification\",\"recordVersion\":\"1.0\"}",
	  "ruleParameters": "{\"check\":\"rotation-schedule\",\"maxRotationDays\":\"30\"}",
	  "resultToken": "token",
	  "configRuleArn": "arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-a1b2c3",
	  "configRuleName": "secretguard-rotation-schedule",
	  "accountId": "123456789012",
	  "someFieldAWSAddsLater": true
	}`)
	inv, err := Decode(payload)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inv.MessageType, inv.Params.Check, *inv.Params.MaxRotationDays, inv.AccountID(), inv.Region())
	// Output: ScheduledNotification rotation-schedule 30 123456789012 eu-west-1
}
