package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/metrics"
)

// TestServesSkips: each function skips what the other serves, naming it;
// the skip is counted and logged, never an error, also inside an SQS
// batch (no batch item failure).
func TestServesSkips(t *testing.T) {
	read := func(dir, name string) string {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	tests := []struct {
		name    string
		serves  Serves
		payload string
		skip    string
	}{
		{"vpc-endpoint rule at the remediator", Secrets, read(workloadsDir, "config-vpc-endpoint-noncompliant.json"),
			"rule secretguard-vpc-endpoint is a workload or account check: secretguard-workloads serves it"},
		{"lambda-env rule at the remediator", Secrets, read(workloadsDir, "config-lambda-env-noncompliant.json"),
			"rule secretguard-no-plaintext-lambda-env is a workload or account check: secretguard-workloads serves it"},
		{"direct resource request at the remediator", Secrets, `{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}}`,
			"check vpc-endpoint is a workload or account check: secretguard-workloads serves it"},
		{"secret rule at workloads", ResourceChecks, read(sampleDir, "config-noncompliant.json"),
			"config:secretguard-required-tags (secret " + sampleARN + ") is a secret reconcile: secretguard-remediator serves secret reconciles"},
		{"CloudTrail call at workloads", ResourceChecks, read(sampleDir, "cloudtrail-TagResource.json"),
			"is a secret reconcile: secretguard-remediator serves secret reconciles"},
		{"direct secret request at workloads", ResourceChecks, `{"secretId": "app"}`,
			"direct (secret app) is a secret reconcile: secretguard-remediator serves secret reconciles"},
		{"sweep at workloads", ResourceChecks, read(sampleDir, "sweep.json"), "a sweep reconciles secrets: secretguard-remediator serves secret reconciles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs, emf bytes.Buffer
			h := &Handler{Serves: tt.serves, Engine: &engine.Engine{}, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Metrics: metrics.New(&emf)}
			out, err := h.Handle(context.Background(), []byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			r := out.(Response)
			if !strings.Contains(r.Skipped, tt.skip) || r.Error != "" || r.Result != nil || r.Sweep != nil {
				t.Errorf("response %+v, want skipped %q", r, tt.skip)
			}
			if !strings.Contains(logs.String(), `"msg":"event ignored"`) || !strings.Contains(logs.String(), tt.skip) {
				t.Errorf("skip not logged with its reason:\n%s", logs.String())
			}
			var m map[string]any
			if err := json.Unmarshal(emf.Bytes(), &m); err != nil || m["SkippedEvents"] != 1.0 || m["BadEvents"] != 0.0 {
				t.Errorf("metrics %s (%v)", emf.String(), err)
			}

			// The same payload in an SQS batch: skipped, not retried.
			logs.Reset()
			batch, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m0", Body: tt.payload, EventSource: "aws:sqs"}}})
			out, err = h.Handle(context.Background(), batch)
			if resp, ok := out.(events.SQSEventResponse); err != nil || !ok || len(resp.BatchItemFailures) != 0 {
				t.Errorf("batch: %+v %v", out, err)
			}
			if !strings.Contains(logs.String(), tt.skip) {
				t.Errorf("batch: skip not logged:\n%s", logs.String())
			}
		})
	}
}

// TestServesNames: what the functions are called in skip reasons and logs.
func TestServesNames(t *testing.T) {
	for s, want := range map[Serves][2]string{Secrets: {"remediator", "secretguard-remediator"}, ResourceChecks: {"workloads", "secretguard-workloads"}} {
		if got := [2]string{s.Name(), s.Function()}; got != want {
			t.Errorf("%v: %v, want %v", s, got, want)
		}
	}
}

// TestSetupWire: Setup hands the engine to the function's wiring before it
// is ready, and the ready line names the function.
func TestSetupWire(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"TABLE_NAME": "secretguard", "AWS_REGION": "us-east-1"}[k]
	}
	for _, s := range []Serves{Secrets, ResourceChecks} {
		var logs bytes.Buffer
		wired := false
		h, err := Setup(context.Background(), env, &bytes.Buffer{}, slog.New(slog.NewJSONHandler(&logs, nil)), s, func(e *engine.Engine) {
			wired = e.Baseline != nil && e.Ledger != nil && e.Events != nil && e.Accounts != nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !wired || h.Serves != s || h.Engine.NewWorkload != nil {
			t.Errorf("%v: wired %v, handler %+v", s, wired, h)
		}
		if want := fmt.Sprintf(`"msg":"%s ready"`, s.Name()); !strings.Contains(logs.String(), want) {
			t.Errorf("%v: no %s in\n%s", s, want, logs.String())
		}
	}
}
