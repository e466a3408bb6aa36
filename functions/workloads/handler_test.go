package main

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
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/dispatch"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/workload"
)

// TestHandleResourceCompliance: a workload check's rule turned
// NON_COMPLIANT for a function of the member account with a plaintext key
// in its environment: ticket mode sends one Secret Needs Attention, the
// same event again nothing new; no log line carries the value.
func TestHandleResourceCompliance(t *testing.T) {
	f := newFixture(t, "")
	const key = "AKIA" + "Z7QW3ERT5YUI2OPL"
	f.h.Engine.Baseline.Checks[baseline.CheckNoPlaintextLambdaEnv] = baseline.CheckSettings{Mode: baseline.ModeTicket}
	fnARN := f.seed.Function("payments-webhook", map[string]string{"AWS_ACCESS_KEY_ID": key}, nil, nil, nil)
	want := []engine.Outcome{engine.OutcomeTicketed, engine.OutcomeUnchanged}
	for i, o := range want {
		out, err := f.h.Handle(f.ctx, sample(t, "config-lambda-env-noncompliant.json"))
		if err != nil {
			t.Fatal(err)
		}
		r := out.(dispatch.Response)
		if r.Error != "" || r.Result == nil || r.Result.SecretARN != fnARN || len(r.Result.Checks) != 1 {
			t.Fatalf("event %d: response %+v", i, r)
		}
		c := r.Result.Checks[0]
		if c.Check != baseline.CheckNoPlaintextLambdaEnv || c.Outcome != o || !strings.Contains(c.Annotation, "AWS_ACCESS_KEY_ID") {
			t.Errorf("event %d: %+v, want %s", i, c, o)
		}
		if wantEvent := (o == engine.OutcomeTicketed); wantEvent != (c.Event == outcome.TypeNeedsAttention) {
			t.Errorf("event %d: sent %q", i, c.Event)
		}
	}
	if strings.Contains(f.logs.String(), key) {
		t.Error("a log line carries the key")
	}
}

// TestSkipsSecretTriggers: the remediator's triggers reach this function
// only by mistake: each is skipped, logged and counted, naming
// secretguard-remediator, never an error.
func TestSkipsSecretTriggers(t *testing.T) {
	env := map[string]string{"TABLE_NAME": "secretguard", "AWS_REGION": region}
	var logs, emf bytes.Buffer
	h, err := setup(context.Background(), func(k string) string { return env[k] }, &emf, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	payloads := map[string][]byte{"config-secret-rule.json": sample(t, "config-secret-rule.json")}
	for _, name := range []string{"config-noncompliant.json", "cloudtrail-CreateSecret.json", "direct.json", "sweep.json"} {
		b, err := os.ReadFile(filepath.Join("../../events/remediator", name))
		if err != nil {
			t.Fatal(err)
		}
		payloads["remediator/"+name] = b
	}
	for name, p := range payloads {
		logs.Reset()
		emf.Reset()
		out, err := h.Handle(context.Background(), p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := out.(dispatch.Response)
		if !strings.Contains(r.Skipped, "secretguard-remediator serves secret reconciles") || r.Error != "" || r.Result != nil || r.Sweep != nil {
			t.Errorf("%s: response %+v", name, r)
		}
		if !strings.Contains(logs.String(), "secretguard-remediator serves secret reconciles") {
			t.Errorf("%s: not logged:\n%s", name, logs.String())
		}
		var m map[string]any
		if err := json.Unmarshal(emf.Bytes(), &m); err != nil || m["SkippedEvents"] != 1.0 {
			t.Errorf("%s: metrics %s", name, emf.String())
		}
	}
}

// TestHandleSQSBatch: the batch sample's two compliance changes and direct
// request are handled, its malformed body dropped, nothing retried.
func TestHandleSQSBatch(t *testing.T) {
	f := newFixture(t, "")
	out, err := f.h.Handle(f.ctx, sample(t, "sqs-batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := out.(events.SQSEventResponse); !ok || len(r.BatchItemFailures) != 0 {
		t.Errorf("response %+v", out)
	}
	var m map[string]any
	if err := json.Unmarshal(f.emf.Bytes(), &m); err != nil || m["BadEvents"] != 1.0 || m["Errors"] != 0.0 || m["SkippedEvents"] != 0.0 {
		t.Errorf("metrics %s (%v)", f.emf.String(), err)
	}
}

// network seeds, in the member account, a VPC with DNS support and DNS
// hostnames on, private subnets (no route to an internet gateway) and a
// Lambda function in them: the vpc-endpoint check's finding.
func (f *fixture) network(t *testing.T) string {
	t.Helper()
	n := f.seed.VPC("10.4.0.0/16")
	c := ec2.NewFromConfig(f.member)
	for _, in := range []*ec2.ModifyVpcAttributeInput{
		{VpcId: aws.String(n.VPC), EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		{VpcId: aws.String(n.VPC), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
	} {
		if _, err := c.ModifyVpcAttribute(f.ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	f.seed.Function("orders-api", nil, n.Subnets, []string{n.Group}, nil)
	return n.VPC
}

// endpoints lists the VPC's endpoints in the member account.
func (f *fixture) endpoints(t *testing.T, vpc string) []ec2types.VpcEndpoint {
	t.Helper()
	out, err := ec2.NewFromConfig(f.member).DescribeVpcEndpoints(f.ctx, &ec2.DescribeVpcEndpointsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.VpcEndpoints
}

func vpcEndpointRequest() []byte {
	return fmt.Appendf(nil, `{"resource": {"check": %q, "accountId": %q, "region": %q}}`, baseline.CheckVPCEndpoint, member, region)
}

// TestVPCEndpointRemedy: in remediate mode, a direct request for the
// vpc-endpoint check of the member account ends with a Secrets Manager
// interface endpoint with private DNS in the VPC that holds the function;
// asking again changes nothing.
func TestVPCEndpointRemedy(t *testing.T) {
	f := newFixture(t, "false")
	f.h.Engine.Baseline.Checks[baseline.CheckVPCEndpoint] = baseline.CheckSettings{Mode: baseline.ModeRemediate}
	vpc := f.network(t)
	for i := range 2 {
		out, err := f.h.Handle(f.ctx, vpcEndpointRequest())
		if err != nil {
			t.Fatal(err)
		}
		r := out.(dispatch.Response)
		if r.Error != "" || r.Skipped != "" || r.Result == nil || len(r.Result.Checks) != 1 {
			t.Fatalf("request %d: response %+v", i, r)
		}
		c := r.Result.Checks[0]
		t.Logf("request %d: %s %s: %s %s (%s)", i, c.Check, c.Compliance, c.Decision, c.Outcome, c.Why)
		switch {
		case i == 0 && (c.Outcome != engine.OutcomeRemediated || c.Event != outcome.TypeRemediated):
			t.Errorf("request %d: %s, event %q (%s), want remediated", i, c.Outcome, c.Event, c.Why)
		case i == 1 && c.Compliance != checks.Compliant:
			t.Errorf("request %d: %s (%s), want COMPLIANT once the endpoint exists", i, c.Compliance, c.Annotation)
		}
	}
	eps := f.endpoints(t, vpc)
	if len(eps) != 1 {
		t.Fatalf("%d endpoints in %s, want one (the engine does not act on the vpc-endpoint finding?): %+v", len(eps), vpc, eps)
	}
	e := eps[0]
	if aws.ToString(e.ServiceName) != workload.EndpointServiceName("aws", region) || e.VpcEndpointType != ec2types.VpcEndpointTypeInterface ||
		!aws.ToBool(e.PrivateDnsEnabled) || len(e.SubnetIds) == 0 {
		t.Errorf("endpoint %s: service %s, type %s, private DNS %v, subnets %v", aws.ToString(e.VpcEndpointId), aws.ToString(e.ServiceName),
			e.VpcEndpointType, aws.ToBool(e.PrivateDnsEnabled), e.SubnetIds)
	}
}

// TestVPCEndpointPreview: with DRY_RUN, the same request plans the
// endpoint and sends the plan as a dry-run Secret Remediated event; no
// endpoint is created. A request's "dryRun": false does not override
// DRY_RUN.
func TestVPCEndpointPreview(t *testing.T) {
	f := newFixture(t, "true")
	f.h.Engine.Baseline.Checks[baseline.CheckVPCEndpoint] = baseline.CheckSettings{Mode: baseline.ModeRemediate}
	vpc := f.network(t)
	// The second request ("dryRun": false) finds the same plan and state:
	// the plan is not sent twice.
	noDryRun := append(bytes.TrimSuffix(vpcEndpointRequest(), []byte("}")), []byte(`, "dryRun": false}`)...)
	for i, p := range [][]byte{vpcEndpointRequest(), noDryRun} {
		out, err := f.h.Handle(f.ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		r := out.(dispatch.Response)
		if r.Error != "" || r.Result == nil || len(r.Result.Checks) != 1 {
			t.Fatalf("%s: response %+v", p, r)
		}
		c := r.Result.Checks[0]
		t.Logf("request %d: %s %s: %s %s, event %q", i, c.Check, c.Compliance, c.Decision, c.Outcome, c.Event)
		switch {
		case c.Compliance != checks.NonCompliant:
			t.Errorf("%s: %s (%s), want NON_COMPLIANT", p, c.Compliance, c.Annotation)
		case i == 0 && (c.Outcome != engine.OutcomePlanned || c.Event != outcome.TypeRemediated || len(c.Calls) == 0):
			t.Errorf("%s: %s, event %q, %d calls (%s), want planned: a dry-run %s with the calls", p, c.Outcome, c.Event, len(c.Calls), c.Why, outcome.TypeRemediated)
		case i == 1 && c.Outcome != engine.OutcomeUnchanged && c.Outcome != engine.OutcomePlanned:
			t.Errorf("%s: %s (%s), want the plan again or unchanged, never applied", p, c.Outcome, c.Why)
		}
	}
	if eps := f.endpoints(t, vpc); len(eps) != 0 {
		t.Errorf("DRY_RUN: %d endpoints created in %s", len(eps), vpc)
	}
	if !strings.Contains(f.logs.String(), `the request's \"dryRun\": false is ignored`) {
		t.Errorf("the ignored dryRun false is not logged:\n%s", f.logs.String())
	}
}
