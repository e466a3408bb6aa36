package dispatch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/testutil/samples"
)

const (
	member    = "111122223333"
	sampleARN = "arn:aws:secretsmanager:us-east-1:" + member + ":secret:prod/payments/stripe-key-a1B2c3"
	sampleDir = "../../events/remediator"
	// workloadsDir holds the workloads function's samples (its tests decode
	// every one).
	workloadsDir = "../../events/workloads"
)

// TestSamplesDecode decodes every sample in events/remediator and fails on
// a file the table does not know; each one that decodes to work is served
// by the remediator (Secrets).
func TestSamplesDecode(t *testing.T) {
	type want struct {
		kind    string
		skip    string // part of the skip reason
		bad     string // part of the error
		secret  string
		region  string
		trigger string
		creator bool
	}
	ct := func(name string) want {
		return want{kind: KindCloudTrail, secret: sampleARN, region: "us-east-1", trigger: "cloudtrail:" + name}
	}
	cases := map[string]want{
		"config-noncompliant.json":                {kind: KindConfig, secret: sampleARN, region: "us-east-1", trigger: "config:secretguard-required-tags"},
		"config-compliant.json":                   {kind: KindConfig, skip: "turned COMPLIANT"},
		"config-other-rule.json":                  {kind: KindConfig, skip: "not a secretguard rule"},
		"cloudtrail-CreateSecret-legacy-aRN.json": {kind: KindCloudTrail, secret: sampleARN, region: "us-east-1", trigger: "cloudtrail:CreateSecret", creator: true},
		"cloudtrail-failed-call.json":             {kind: KindCloudTrail, skip: "failed (AccessDeniedException)"},
		"cloudtrail-PutResourcePolicy.json":       ct("PutResourcePolicy"),
		"cloudtrail-UntagResource.json":           {kind: KindCloudTrail, secret: "prod/payments/stripe-key", region: "us-east-1", trigger: "cloudtrail:UntagResource"},
		"cloudtrail-StopReplicationToReplica.json": {kind: KindCloudTrail, secret: strings.Replace(sampleARN, "us-east-1", "eu-west-1", 1),
			region: "eu-west-1", trigger: "cloudtrail:StopReplicationToReplica"},
		"other-detail-type.json":               {kind: KindEvent, skip: `detail-type "Secret Remediated"`},
		"direct.json":                          {kind: KindDirect, secret: sampleARN, trigger: "direct"},
		"direct-by-name.json":                  {kind: KindDirect, secret: "prod/payments/stripe-key", region: "us-east-1", trigger: "direct"},
		"sweep.json":                           {kind: KindSweep, region: "us-east-1", trigger: "sweep"},
		"malformed-not-json.json":              {kind: KindInvalid, bad: "not a JSON object"},
		"malformed-direct-unknown-field.json":  {kind: KindDirect, bad: `unknown field "force"`},
		"malformed-direct-bad-arn.json":        {kind: KindDirect, bad: "service is \"s3\""},
		"malformed-sweep-bad-region.json":      {kind: KindSweep, bad: `"Virginia" is not a Region`},
		"malformed-sweep-and-secret.json":      {kind: KindSweep, bad: "takes no secretId"},
		"malformed-unknown-shape.json":         {kind: KindInvalid, bad: "neither an EventBridge event"},
		"malformed-config-no-resource.json":    {kind: KindConfig, bad: "without resourceId"},
		"malformed-eventbridge-no-detail.json": {kind: KindInvalid, bad: "has no detail"},
		"malformed-cloudtrail-no-secret.json":  {kind: KindCloudTrail, bad: "names no secret"},
	}
	for _, name := range APICalls {
		f := "cloudtrail-" + name + ".json"
		if _, ok := cases[f]; !ok {
			w := ct(name)
			w.creator = name == "CreateSecret"
			cases[f] = w
		}
	}
	samples.Each(t, sampleDir, cases, []string{"sqs-batch.json"}, func(t *testing.T, payload []byte, w want) { // sqs-batch: TestSQSBatchSample
		tr, err := Decode(payload)
		if tr.Kind != w.kind {
			t.Errorf("kind %q, want %q", tr.Kind, w.kind)
		}
		if w.bad != "" {
			if !errors.Is(err, ErrBadEvent) || !strings.Contains(err.Error(), w.bad) {
				t.Errorf("error %v, want one containing %q", err, w.bad)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if w.skip != "" {
			if !strings.Contains(tr.Skip, w.skip) || tr.Request != nil {
				t.Errorf("skip %q, want %q", tr.Skip, w.skip)
			}
			return
		}
		if why := Secrets.Skip(tr); why != "" || ResourceChecks.Skip(tr) == "" {
			t.Errorf("the remediator skips it (%q), or the workloads function does not", why)
		}
		if w.kind == KindSweep {
			if tr.Sweep == nil || tr.Sweep.AccountID != member || tr.Sweep.Region != w.region || !tr.Sweep.DryRun {
				t.Errorf("sweep %+v", tr.Sweep)
			}
			return
		}
		r := tr.Request
		if r == nil || r.SecretID != w.secret || r.Region != w.region || r.Trigger != w.trigger {
			t.Fatalf("request %+v, want secret %s region %s trigger %s", r, w.secret, w.region, w.trigger)
		}
		if w.kind != KindDirect && r.AccountID != member {
			t.Errorf("account %q", r.AccountID)
		}
		if got := r.Hints.Creator != ""; got != w.creator {
			t.Errorf("creator %q", r.Hints.Creator)
		}
	})
}

// TestDecodeResourceCompliance: the rules of workload and account checks
// ask for the resource's decision on NON_COMPLIANT, COMPLIANT and
// NOT_APPLICABLE, and skip another resource type.
func TestDecodeResourceCompliance(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(workloadsDir, "config-lambda-env-noncompliant.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to, skip string }{
		{`"complianceType": "NON_COMPLIANT"`, `"complianceType": "COMPLIANT"`, ""},
		{`"complianceType": "NON_COMPLIANT"`, `"complianceType": "NOT_APPLICABLE"`, ""},
		{`"complianceType": "NON_COMPLIANT"`, `"complianceType": "INSUFFICIENT_DATA"`, "nothing to do"},
		{`"resourceType": "AWS::Lambda::Function"`, `"resourceType": "AWS::ECS::TaskDefinition"`, "is not AWS::Lambda::Function"},
	} {
		tr, err := Decode([]byte(strings.ReplaceAll(string(raw), c.from, c.to)))
		if err != nil {
			t.Fatalf("%s: %v", c.to, err)
		}
		if c.skip != "" {
			if !strings.Contains(tr.Skip, c.skip) || tr.Resource != nil {
				t.Errorf("%s: skip %q, resource %+v", c.to, tr.Skip, tr.Resource)
			}
		} else if tr.Resource == nil || tr.Skip != "" {
			t.Errorf("%s: no resource request (skip %q)", c.to, tr.Skip)
		}
	}
}

func TestSQSBatchSample(t *testing.T) {
	payload, err := os.ReadFile(filepath.Join(sampleDir, "sqs-batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	batch, ok := sqsBatch(payload)
	if !ok || len(batch.Records) != 4 {
		t.Fatalf("batch %v %+v", ok, batch)
	}
	var kinds []string
	for _, r := range batch.Records {
		tr, err := Decode([]byte(r.Body))
		if err != nil {
			kinds = append(kinds, "bad")
			continue
		}
		kinds = append(kinds, tr.Kind)
	}
	if got := strings.Join(kinds, ","); got != "config-compliance-change,cloudtrail,direct,bad" {
		t.Errorf("kinds %s", got)
	}
	if _, ok := sqsBatch([]byte(`{"Records":[{"eventSource":"aws:s3"}]}`)); ok {
		t.Error("an S3 notification passed as an SQS batch")
	}
}
