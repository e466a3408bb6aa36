package tests

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/tests/lab"
)

// TestWorkloadsFlow runs the workloads binary on what the checks beyond
// the secret look at: a function with an access key in its environment is
// ticketed with the migration recipe (naming the variable, never the
// value); its VPC, without a Secrets Manager endpoint, gets one (the demo
// baseline puts vpc-endpoint in remediate mode); the notifier opens the
// plaintext key's ticket through the signed webhook, and none for the
// endpoint, which needs no person.
func TestWorkloadsFlow(t *testing.T) {
	l := newLab(t)
	ctx := testContext(t, 3*time.Minute)
	w, err := l.SeedWorkloads(ctx)
	if err != nil {
		t.Fatal(err)
	}

	r, err := l.Workload(ctx, baseline.CheckNoPlaintextLambdaEnv, w.Function)
	if err != nil {
		t.Fatal(err)
	}
	acted := lab.Acted(r.Result)
	if len(acted) != 1 || acted[0].Outcome != engine.OutcomeTicketed || !strings.Contains(r.Result.Checks[0].Annotation, "AWS_ACCESS_KEY_ID") {
		t.Fatalf("no-plaintext-lambda-env: %+v", r.Result)
	}

	r, err = l.Workload(ctx, baseline.CheckVPCEndpoint, "")
	if err != nil {
		t.Fatal(err)
	}
	if acted := lab.Acted(r.Result); len(acted) != 1 || acted[0].Outcome != engine.OutcomeRemediated {
		t.Fatalf("vpc-endpoint: %+v", r.Result)
	}
	eps, err := l.Endpoints(ctx, w.VPC)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 1 || !aws.ToBool(eps[0].PrivateDnsEnabled) {
		t.Fatalf("endpoints of %s: %+v", w.VPC, eps)
	}

	notify(ctx, t, l)
	got := map[string]string{}
	for _, tk := range l.Sink.Tickets() {
		p := tk.Payload.Ticket
		if p == nil {
			continue
		}
		if strings.Contains(tk.Payload.Text+tk.Payload.Title, lab.LeakedKey) {
			t.Fatalf("a ticket carries the leaked key: %s", tk.Payload.Text)
		}
		got[p.Check] = tk.Action + " " + p.DetailType
	}
	if len(got) != 1 || got[baseline.CheckNoPlaintextLambdaEnv] != "open "+outcome.TypeNeedsAttention {
		t.Fatalf("webhook tickets %v, want one opened for the plaintext key and none for the endpoint secretguard created", got)
	}
}
