package engine_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/workloadtest"
)

// akid is a plaintext access key ID (not the documentation's EXAMPLE key).
const akid = "AKIA" + "Z7QW3ERT5YUI2OPL"

// TestResourceTicketAndResolve: a function with a plaintext key in its
// environment, in ticket mode: one Secret Needs Attention naming the
// variable, never the value; the same change again sends nothing; once the
// variable is gone, a COMPLIANT change sends one Secret Compliant.
func TestResourceTicketAndResolve(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckNoPlaintextLambdaEnv, baseline.ModeTicket)
	cfg := e.srv.Config(t, region)
	fnARN := workloadtest.New(t, cfg, e.srv.Endpoint).Function("billing",
		map[string]string{"AWS_ACCESS_KEY_ID": akid, "LOG_LEVEL": "info"}, nil, nil, map[string]string{"owner": "team-billing"})
	eng := e.engine()
	req := engine.ResourceRequest{Check: baseline.CheckNoPlaintextLambdaEnv, ResourceType: workload.TypeFunction, ResourceID: "billing",
		AccountID: account, Region: region, Trigger: "test"}

	res, err := eng.Start().ReconcileResource(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if cr := check(t, res, baseline.CheckNoPlaintextLambdaEnv); cr.Outcome != engine.OutcomeTicketed || res.SecretARN != fnARN {
		t.Fatalf("first: %s on %s, want ticketed on %s (%+v)", cr.Outcome, res.SecretARN, fnARN, cr)
	}
	sent := e.events.sent(t)
	if len(sent) != 1 || sent[0].DetailType != outcome.TypeNeedsAttention {
		t.Fatalf("events %v, want one %s", e.events.types(t), outcome.TypeNeedsAttention)
	}
	d := sent[0].Detail
	if d.SecretARN != fnARN || d.SecretName != "billing" || d.Check != baseline.CheckNoPlaintextLambdaEnv ||
		d.Severity != outcome.SeverityHigh || d.Owner != "team-billing" || d.Compliance != "NON_COMPLIANT" {
		t.Errorf("detail %+v", d)
	}
	if !strings.Contains(d.Annotation, "AWS_ACCESS_KEY_ID") || !strings.Contains(d.Fix, "update-function-configuration") || d.Why == "" {
		t.Errorf("annotation %q, fix %q, why %q", d.Annotation, d.Fix, d.Why)
	}
	for _, en := range e.events.entries {
		if strings.Contains(aws.ToString(en.Detail), akid) {
			t.Fatalf("the event carries the value: %s", aws.ToString(en.Detail))
		}
	}

	res, err = eng.Start().ReconcileResource(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if cr := check(t, res, baseline.CheckNoPlaintextLambdaEnv); cr.Outcome != engine.OutcomeUnchanged || len(e.events.sent(t)) != 1 {
		t.Fatalf("second: %s, events %v: want unchanged, no new event", cr.Outcome, e.events.types(t))
	}

	if _, err := lambda.NewFromConfig(cfg).UpdateFunctionConfiguration(e.ctx, &lambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("billing"), Environment: &lambdatypes.Environment{Variables: map[string]string{"LOG_LEVEL": "info"}},
	}); err != nil {
		t.Fatal(err)
	}
	res, err = eng.Start().ReconcileResource(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if cr := check(t, res, baseline.CheckNoPlaintextLambdaEnv); cr.Outcome != engine.OutcomeResolved {
		t.Fatalf("after the fix: %s, want resolved (%+v)", cr.Outcome, cr)
	}
	if got := e.events.types(t); len(got) != 2 || got[1] != outcome.TypeCompliant {
		t.Fatalf("events %v, want Needs Attention then Compliant", got)
	}
	if d := e.events.sent(t)[1].Detail; d.SecretARN != fnARN || d.Check != baseline.CheckNoPlaintextLambdaEnv {
		t.Errorf("compliant detail %+v", d)
	}
}

// TestResourceReportMode: report records nothing and sends nothing.
func TestResourceReportMode(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckNoPlaintextLambdaEnv, baseline.ModeReport)
	workloadtest.New(t, e.srv.Config(t, region), e.srv.Endpoint).Function("billing", map[string]string{"AWS_ACCESS_KEY_ID": akid}, nil, nil, nil)
	res, err := e.engine().Start().ReconcileResource(e.ctx, engine.ResourceRequest{Check: baseline.CheckNoPlaintextLambdaEnv,
		ResourceType: workload.TypeFunction, ResourceID: "billing", AccountID: account, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	if cr := check(t, res, baseline.CheckNoPlaintextLambdaEnv); cr.Outcome != engine.OutcomeReported || len(e.events.entries) != 0 {
		t.Fatalf("%s, events %v: want reported, none", cr.Outcome, e.events.types(t))
	}
}

// TestResourceRemediateModeTickets: no remedy exists for the plaintext checks.
func TestResourceRemediateModeTickets(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckNoPlaintextLambdaEnv, baseline.ModeRemediate)
	workloadtest.New(t, e.srv.Config(t, region), e.srv.Endpoint).Function("billing", map[string]string{"AWS_ACCESS_KEY_ID": akid}, nil, nil, nil)
	res, err := e.engine().Start().ReconcileResource(e.ctx, engine.ResourceRequest{Check: baseline.CheckNoPlaintextLambdaEnv,
		ResourceType: workload.TypeFunction, ResourceID: "billing", AccountID: account, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	cr := check(t, res, baseline.CheckNoPlaintextLambdaEnv)
	if cr.Outcome != engine.OutcomeTicketed || !strings.Contains(cr.Why, "no remedy exists") || len(e.events.entries) != 1 {
		t.Fatalf("%s (%s), events %v", cr.Outcome, cr.Why, e.events.types(t))
	}
}

func TestAccountARN(t *testing.T) {
	if got := engine.AccountARN("aws", "eu-west-1", "111122223333"); got != "arn:aws:iam:eu-west-1:111122223333:root" {
		t.Error(got)
	}
}
