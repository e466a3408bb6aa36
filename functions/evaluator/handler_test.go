package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/secretguard/secretguard/shared/configrule"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const timeout = 60 * time.Second

// TestChangeEvents sends the change samples for a secret that exists in
// moto (re-observed live) and for one that does not.
func TestChangeEvents(t *testing.T) {
	e := newEnv(t)
	tagged := createSecrets(t, e.base, "tagged", 1, map[string]string{"owner": "payments", "environment": "prod", "cost-center": "42"})[0]
	untagged := createSecrets(t, e.base, "untagged", 1, nil)[0]
	capture := time.Date(2026, 3, 2, 9, 15, 27, 501e6, time.UTC)
	const missing = "arn:aws:secretsmanager:us-east-1:" + self + ":secret:missing-AbCdEf"

	tests := []struct {
		sample, secretARN string
		check             string
		want              types.ComplianceType
		annotation        string
		gone              int
	}{
		{"change.json", untagged, "required-tags", types.ComplianceTypeNonCompliant, "Missing required tags: owner, environment", 0},
		{"change.json", tagged, "required-tags", types.ComplianceTypeCompliant, "Required tags present", 0},
		{"change-created.json", untagged, "cmk", types.ComplianceTypeNonCompliant, "AWS managed key", 0},
		{"change-overrides.json", tagged, "required-tags", types.ComplianceTypeCompliant, "Required tags present: owner, cost-center", 0},
		{"change-overrides.json", untagged, "required-tags", types.ComplianceTypeNonCompliant, "Missing required tags: owner, cost-center", 0},
		{"oversized.json", untagged, "required-tags", types.ComplianceTypeNonCompliant, "Missing required tags", 0},
		{"change.json", missing, "required-tags", types.ComplianceTypeNotApplicable, "no longer exists", 1},
		{"change-deleted.json", untagged, "required-tags", types.ComplianceTypeNotApplicable, "The secret was deleted.", 0},
		{"change-deleted-not-recorded.json", untagged, "required-tags", types.ComplianceTypeNotApplicable, "The secret was deleted.", 0},
		{"change-not-recorded.json", untagged, "required-tags", types.ComplianceTypeNotApplicable, "no longer records", 0},
		{"change-left-scope.json", tagged, "required-tags", types.ComplianceTypeNotApplicable, "no longer in the rule's scope", 0},
	}
	for _, tt := range tests {
		label := "untagged"
		switch tt.secretARN {
		case tagged:
			label = "tagged"
		case missing:
			label = "missing"
		}
		t.Run(tt.sample+"/"+label, func(t *testing.T) {
			e.config.calls = nil
			payload := sampleWith(t, tt.sample, func(top, invoking, params map[string]any) {
				ci, ok := invoking["configurationItem"].(map[string]any)
				if !ok {
					ci = invoking["configurationItemSummary"].(map[string]any)
				}
				ci["ARN"], ci["resourceId"] = tt.secretARN, tt.secretARN
				ci["configurationItemCaptureTime"] = capture.Format(time.RFC3339Nano)
				params["check"] = tt.check
			})
			res, err := e.invoke(t, payload, timeout)
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			evs := e.config.evaluations()
			if len(e.config.calls) != 1 || len(evs) != 1 {
				t.Fatalf("%d PutEvaluations calls with %d evaluations, want 1 with 1", len(e.config.calls), len(evs))
			}
			ev := evs[0]
			if ev.ComplianceType != tt.want || aws.ToString(ev.ComplianceResourceId) != tt.secretARN ||
				aws.ToString(ev.ComplianceResourceType) != configrule.ResourceType || !ev.OrderingTimestamp.Equal(capture) {
				t.Fatalf("evaluation %s %s %s %v, want %s for %s at %v", ev.ComplianceType, aws.ToString(ev.ComplianceResourceId),
					aws.ToString(ev.ComplianceResourceType), ev.OrderingTimestamp, tt.want, tt.secretARN, capture)
			}
			if a := aws.ToString(ev.Annotation); a == "" || len(a) > 256 || !strings.Contains(a, tt.annotation) {
				t.Fatalf("annotation %q, want it to contain %q", a, tt.annotation)
			}
			if tok := aws.ToString(e.config.calls[0].ResultToken); tok == "" || !strings.Contains(string(readSample(t, tt.sample)), tok) {
				t.Fatalf("ResultToken %q is not the event's", tok)
			}
			if res.Evaluated != 1 || res.PutCalls != 1 || res.Sent != 1 || res.Gone != tt.gone || res.HandedOver || res.Check != tt.check {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// TestBadEvents: nothing is evaluated for an event that cannot be
// identified, and the handler never panics.
func TestBadEvents(t *testing.T) {
	e := newEnv(t)
	files, _ := filepath.Glob(filepath.Join(samples, "malformed-*.json"))
	if len(files) < 8 {
		t.Fatalf("only %d malformed samples", len(files))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			e.config.calls = nil
			res, err := e.invoke(t, readSample(t, name), timeout)
			if name == "malformed-other-resource-type.json" {
				// The rule is known but scoped wrong: a logged skip.
				if err != nil || !strings.Contains(res.Skipped, "AWS::S3::Bucket is not AWS::SecretsManager::Secret") {
					t.Fatalf("other resource type: result %+v, err %v", res, err)
				}
			} else if err == nil {
				t.Fatalf("no error for %s (result %+v)", name, res)
			}
			if n := len(e.config.calls); n != 0 {
				t.Fatalf("%d PutEvaluations calls for a bad event", n)
			}
		})
	}
	if !strings.Contains(e.logs.String(), `"BadEvents":1`) {
		t.Fatal("no BadEvents metric")
	}
	_, err := e.invoke(t, readSample(t, "malformed-unknown-parameter.json"), timeout)
	if err == nil || !strings.Contains(err.Error(), `"maxRotationDay"`) {
		t.Fatalf("unknown parameter error %v does not name the key", err)
	}
	if _, err := e.invoke(t, nil, timeout); !errors.Is(err, configrule.ErrNotConfigEvent) {
		t.Fatalf("empty payload: %v", err)
	}
}

// TestObservability: one JSON log line per evaluation with the required
// fields, one EMF line per invocation, and no secret value anywhere.
func TestObservability(t *testing.T) {
	e := newEnv(t)
	createSecrets(t, e.base, "obs", 3, nil)
	res, err := e.invoke(t, sampleWith(t, "scheduled.json", scheduledNow("required-tags")), timeout)
	if err != nil {
		t.Fatal(err)
	}
	if res.Evaluated != 3 || res.NonCompliant != 3 {
		t.Fatalf("result %+v", res)
	}
	var evals, emf int
	for _, l := range e.logs.lines(t) {
		switch {
		case l["msg"] == "evaluation":
			evals++
			for _, k := range []string{"rule", "check", "secretArn", "compliance", "annotation", "account", "region"} {
				if s, _ := l[k].(string); s == "" {
					t.Errorf("evaluation log line lacks %s: %v", k, l)
				}
			}
		case l["_aws"] != nil:
			emf++
			if l["Function"] != "secretguard-evaluator" || l["Check"] != "required-tags" || l["SecretsEvaluated"] != 3.0 ||
				l["NonCompliant"] != 3.0 || l["APICalls.secretsmanager:ListSecrets"] != 1.0 || l["HandOvers"] != 0.0 {
				t.Errorf("EMF line %v", l)
			}
		}
	}
	if evals != 3 || emf != 1 {
		t.Fatalf("%d evaluation lines and %d EMF lines, want 3 and 1", evals, emf)
	}
	if strings.Contains(e.logs.String(), "do-not-log-") {
		t.Fatal("a secret value reached the logs")
	}
	if res.APICalls["secretsmanager:ListSecrets"] != 1 {
		t.Fatalf("apiCalls %v", res.APICalls)
	}
}

func TestSetupFromEnvironment(t *testing.T) {
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("SWEEP_MAX_HOPS", "7")
	h, err := setup(t.Context(), os.Getenv, &syncBuffer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.Evaluator.RoleName != DefaultSpokeRole || h.Evaluator.Sweep.MaxHops != 7 || h.Evaluator.Baseline == nil {
		t.Fatalf("evaluator %+v", h.Evaluator)
	}
	for _, bad := range []struct{ key, val, want string }{
		{"SWEEP_MAX_HOPS", "0", "SWEEP_MAX_HOPS"},
		{"SWEEP_MAX_CHAIN_AGE", "1 day", "SWEEP_MAX_CHAIN_AGE"},
		{"BASELINE", filepath.Join(t.TempDir(), "missing.yaml"), "cannot read baseline file"},
	} {
		t.Run(bad.key, func(t *testing.T) {
			t.Setenv(bad.key, bad.val)
			if _, err := setup(t.Context(), os.Getenv, &syncBuffer{}, nil); err == nil || !strings.Contains(err.Error(), bad.want) {
				t.Fatalf("err = %v, want %q", err, bad.want)
			}
		})
	}
}
