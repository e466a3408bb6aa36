package engine_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/vpcendpoint"
	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/workloadtest"
)

// vpcEnv is an account on moto whose one VPC holds a Lambda function and
// no Secrets Manager endpoint: vpc-endpoint is NON_COMPLIANT.
type vpcEnv struct {
	*env
	ec2 *ec2.Client
	vpc string
	req engine.ResourceRequest
}

func newVPCEnv(t *testing.T, mode string, dnsHostnames bool) *vpcEnv {
	t.Helper()
	e := newEnv(t)
	e.mode(baseline.CheckVPCEndpoint, mode)
	cfg := e.srv.Config(t, region)
	s := workloadtest.New(t, cfg, e.srv.Endpoint)
	n := s.VPC("10.7.0.0/16")
	s.Function("orders", map[string]string{"LOG_LEVEL": "info"}, n.Subnets, []string{n.Group}, nil)
	c := ec2.NewFromConfig(cfg)
	if dnsHostnames {
		if _, err := c.ModifyVpcAttribute(e.ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(n.VPC),
			EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
			t.Fatal(err)
		}
	}
	return &vpcEnv{env: e, ec2: c, vpc: n.VPC, req: engine.ResourceRequest{Check: baseline.CheckVPCEndpoint, ResourceType: workload.TypeAccount,
		ResourceID: account, AccountID: account, Region: region, Trigger: "test"}}
}

func (v *vpcEnv) engine(rem vpcendpoint.Remedy) *engine.Engine {
	eng := v.env.engine()
	eng.ResourceRemedies = []engine.ResourceRemedy{rem}
	return eng
}

// endpoints lists the VPC's Secrets Manager endpoints.
func (v *vpcEnv) endpoints(t *testing.T) []ec2types.VpcEndpoint {
	t.Helper()
	out, err := v.ec2.DescribeVpcEndpoints(v.ctx, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{v.vpc}},
		{Name: aws.String("service-name"), Values: []string{workload.EndpointServiceName("aws", region)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return out.VpcEndpoints
}

// TestResourceRemedyCreatesEndpoint: vpc-endpoint in remediate mode gives
// the VPC an interface endpoint with private DNS, verified COMPLIANT,
// recorded and sent as one Secret Remediated with the calls made; the
// next reconcile finds it compliant and sends nothing.
func TestResourceRemedyCreatesEndpoint(t *testing.T) {
	v := newVPCEnv(t, baseline.ModeRemediate, true)
	eng := v.engine(vpcendpoint.Remedy{})
	res, err := eng.Start().ReconcileResource(v.ctx, v.req)
	if err != nil {
		t.Fatal(err)
	}
	cr := check(t, res, baseline.CheckVPCEndpoint)
	if cr.Outcome != engine.OutcomeRemediated || cr.ComplianceAfter != checks.Compliant || cr.Remedy != baseline.RemedyCreateVPCEndpoint {
		t.Fatalf("%s → %s (%s)", cr.Outcome, cr.ComplianceAfter, cr.Why)
	}
	eps := v.endpoints(t)
	if len(eps) != 1 || !aws.ToBool(eps[0].PrivateDnsEnabled) || eps[0].VpcEndpointType != ec2types.VpcEndpointTypeInterface || len(eps[0].Groups) != 1 {
		t.Fatalf("endpoints %+v, want one interface endpoint with private DNS and the remedy's group", eps)
	}
	sent := v.events.sent(t)
	if len(sent) != 1 || sent[0].DetailType != outcome.TypeRemediated {
		t.Fatalf("events %v, want one %s", v.events.types(t), outcome.TypeRemediated)
	}
	d := sent[0].Detail
	var ops []string
	for _, c := range d.Calls {
		ops = append(ops, c.Operation)
		if c.Outcome != "ok" {
			t.Errorf("call %s: %s", c.Operation, c.Outcome)
		}
	}
	if !slices.Equal(ops, []string{"CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "CreateVpcEndpoint"}) || d.DryRun ||
		d.SecretARN != engine.AccountARN("aws", region, account) || d.Compliance != "COMPLIANT" {
		t.Errorf("detail: calls %v, dryRun %v, subject %s, compliance %s", ops, d.DryRun, d.SecretARN, d.Compliance)
	}
	if h := v.history(d.SecretARN); len(h) != 1 || h[0].Decision != string(engine.OutcomeRemediated) {
		t.Errorf("ledger %+v", h)
	}

	res, err = eng.Start().ReconcileResource(v.ctx, v.req)
	if err != nil {
		t.Fatal(err)
	}
	if cr := check(t, res, baseline.CheckVPCEndpoint); cr.Outcome != engine.OutcomeCompliant || len(v.events.sent(t)) != 1 || len(v.endpoints(t)) != 1 {
		t.Fatalf("again: %s, events %v, %d endpoints: want compliant, nothing new", cr.Outcome, v.events.types(t), len(v.endpoints(t)))
	}
}

// TestResourceRemedyPreviewAndDryRun: under DRY_RUN (Engine.Preview) the
// plan is recorded and sent once as a dry-run Secret Remediated, and
// nothing is created; a dry-run request records and sends nothing.
func TestResourceRemedyPreviewAndDryRun(t *testing.T) {
	v := newVPCEnv(t, baseline.ModeRemediate, true)
	eng := v.engine(vpcendpoint.Remedy{})

	dry := v.req
	dry.DryRun = true
	res, err := eng.Start().ReconcileResource(v.ctx, dry)
	if err != nil {
		t.Fatal(err)
	}
	if cr := check(t, res, baseline.CheckVPCEndpoint); cr.Outcome != engine.OutcomePlanned || len(cr.Calls) != 3 || len(v.events.entries) != 0 {
		t.Fatalf("dry run: %s, %d calls, events %v", cr.Outcome, len(cr.Calls), v.events.types(t))
	}

	eng.Preview = true
	for i := range 2 {
		res, err := eng.Start().ReconcileResource(v.ctx, v.req)
		if err != nil {
			t.Fatal(err)
		}
		cr := check(t, res, baseline.CheckVPCEndpoint)
		want := engine.OutcomePlanned
		if i == 1 {
			want = engine.OutcomeUnchanged
		}
		if cr.Outcome != want || !res.Preview {
			t.Fatalf("preview %d: %s, want %s (%s)", i, cr.Outcome, want, cr.Why)
		}
	}
	sent := v.events.sent(t)
	if len(sent) != 1 || sent[0].DetailType != outcome.TypeRemediated || !sent[0].Detail.DryRun || sent[0].Detail.Compliance != "NON_COMPLIANT" ||
		!strings.Contains(sent[0].Detail.Fix, "aws ec2 create-vpc-endpoint") || sent[0].Detail.Why != engine.PreviewWhy {
		t.Fatalf("events %+v, want one dry-run Secret Remediated with the fix", sent)
	}
	if eps := v.endpoints(t); len(eps) != 0 {
		t.Fatalf("preview created endpoints: %+v", eps)
	}
}

// TestResourceRemedyNeedsHuman: a VPC without DNS hostnames cannot take a
// private-DNS endpoint: one ticket saying so, nothing created.
func TestResourceRemedyNeedsHuman(t *testing.T) {
	v := newVPCEnv(t, baseline.ModeRemediate, false)
	res, err := v.engine(vpcendpoint.Remedy{}).Start().ReconcileResource(v.ctx, v.req)
	if err != nil {
		t.Fatal(err)
	}
	cr := check(t, res, baseline.CheckVPCEndpoint)
	if cr.Outcome != engine.OutcomeTicketed || !strings.Contains(cr.Why, "enableDnsHostnames is off") {
		t.Fatalf("%s (%s), want ticketed naming enableDnsHostnames", cr.Outcome, cr.Why)
	}
	if sent := v.events.sent(t); len(sent) != 1 || sent[0].DetailType != outcome.TypeNeedsAttention || sent[0].Detail.Fix == "" {
		t.Fatalf("events %v, want one Needs Attention with the recipe", v.events.types(t))
	}
	if eps := v.endpoints(t); len(eps) != 0 {
		t.Fatalf("endpoints %+v", eps)
	}
}

// refusingEC2 is the SDK client with CreateVpcEndpoint denied, as a role
// without ec2:CreateVpcEndpoint would see it (moto enforces no IAM).
type refusingEC2 struct{ *ec2.Client }

func (refusingEC2) CreateVpcEndpoint(context.Context, *ec2.CreateVpcEndpointInput, ...func(*ec2.Options)) (*ec2.CreateVpcEndpointOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation. User is not authorized to perform: ec2:CreateVpcEndpoint"}
}

// TestResourceRemedyFails: a refused call gives one Remediation Failed
// naming the call, with the calls made before it; the check stays
// NON_COMPLIANT.
func TestResourceRemedyFails(t *testing.T) {
	v := newVPCEnv(t, baseline.ModeRemediate, true)
	rem := vpcendpoint.Remedy{NewEC2: func(cfg aws.Config) vpcendpoint.EC2API { return refusingEC2{ec2.NewFromConfig(cfg)} }}
	res, err := v.engine(rem).Start().ReconcileResource(v.ctx, v.req)
	if err != nil {
		t.Fatal(err)
	}
	cr := check(t, res, baseline.CheckVPCEndpoint)
	if cr.Outcome != engine.OutcomeFailed || cr.ComplianceAfter != checks.NonCompliant || !strings.Contains(cr.Why, "CreateVpcEndpoint") {
		t.Fatalf("%s → %s (%s)", cr.Outcome, cr.ComplianceAfter, cr.Why)
	}
	sent := v.events.sent(t)
	if len(sent) != 1 || sent[0].DetailType != outcome.TypeFailed {
		t.Fatalf("events %v, want one %s", v.events.types(t), outcome.TypeFailed)
	}
	calls := sent[0].Detail.Calls
	if len(calls) != 3 || calls[2].Operation != "CreateVpcEndpoint" || !strings.Contains(calls[2].Outcome, "UnauthorizedOperation") {
		t.Fatalf("calls %+v", calls)
	}
}
