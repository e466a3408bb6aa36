package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/dispatch"
)

// The remediator's wiring: it serves secret reconciles only, holds no
// workload observer and no resource remedy, and skips the workload and
// account checks' triggers, naming secretguard-workloads. (Decoding and
// handling are tested in shared/dispatch.)
func TestSetup(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"TABLE_NAME": "secretguard", "AWS_REGION": "us-east-1", "DRY_RUN": "true"}[k]
	}
	var logs bytes.Buffer
	h, err := setup(context.Background(), env, &bytes.Buffer{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if h.Serves != dispatch.Secrets || h.Engine.NewWorkload != nil || len(h.Engine.ResourceRemedies) != 0 || !h.Engine.Preview {
		t.Fatalf("handler serves %v, workload observer %v, remedies %v, preview %v", h.Serves, h.Engine.NewWorkload != nil, h.Engine.ResourceRemedies, h.Engine.Preview)
	}
	if !strings.Contains(logs.String(), `"msg":"remediator ready"`) {
		t.Errorf("no ready line naming the remediator:\n%s", logs.String())
	}
	files, err := filepath.Glob("../../events/workloads/config-*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("samples %v %v", files, err)
	}
	payloads := map[string][]byte{"direct": []byte(`{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}}`)}
	for _, f := range files {
		if !strings.Contains(f, "secret-rule") { // the remediator's own trigger, sent to workloads by mistake
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			payloads[filepath.Base(f)] = b
		}
	}
	for name, p := range payloads {
		out, err := h.Handle(context.Background(), p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r := out.(dispatch.Response); !strings.Contains(r.Skipped, "is a workload or account check: secretguard-workloads serves it") || r.Result != nil {
			b, _ := json.Marshal(r)
			t.Errorf("%s: %s", name, b)
		}
	}
}
