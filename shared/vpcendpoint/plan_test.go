package vpcendpoint_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/vpcendpoint"
	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/observe"
	"github.com/secretguard/secretguard/shared/workload/workloadtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const region = "us-east-1"

func ctx(t *testing.T) context.Context { return workloadtest.Context(t) }

type env struct {
	t   *testing.T
	ec2 *ec2.Client
	obs *observe.Observer
	s   *workloadtest.Seeder
}

func setup(t *testing.T) *env {
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, region)
	return &env{t: t, ec2: ec2.NewFromConfig(cfg), obs: observe.New(cfg, motoserver.TestAccount), s: workloadtest.New(t, cfg, srv.Endpoint)}
}

func (e *env) account() *workload.Resource {
	e.t.Helper()
	r, err := e.obs.Account(ctx(e.t), workload.AccountNeeds{Network: true})
	if err != nil || r.Problem != "" {
		e.t.Fatalf("observe: %v %s", err, r.Problem)
	}
	return r
}

func (e *env) dnsHostnames(vpc string) {
	e.t.Helper()
	if _, err := e.ec2.ModifyVpcAttribute(ctx(e.t), &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		e.t.Fatal(err)
	}
}

// makePublic routes one subnet's default route to an internet gateway.
func (e *env) makePublic(vpc, subnet string) {
	e.t.Helper()
	c := ctx(e.t)
	igw, err := e.ec2.CreateInternetGateway(c, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	id := igw.InternetGateway.InternetGatewayId
	if _, err := e.ec2.AttachInternetGateway(c, &ec2.AttachInternetGatewayInput{InternetGatewayId: id, VpcId: aws.String(vpc)}); err != nil {
		e.t.Fatal(err)
	}
	rt, err := e.ec2.CreateRouteTable(c, &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.ec2.CreateRoute(c, &ec2.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: id}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.ec2.AssociateRouteTable(c, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: aws.String(subnet)}); err != nil {
		e.t.Fatal(err)
	}
}

func TestPlanApplyOnMoto(t *testing.T) {
	e := setup(t)
	n := e.s.VPC("10.4.0.0/16")
	e.dnsHostnames(n.VPC)
	e.makePublic(n.VPC, n.Subnets[0])
	e.s.Function("orders-api", nil, n.Subnets, []string{n.Group}, nil)
	before := e.account()
	if f := checks.EvaluateResource(vpcCheck(t), before, baseline.Default(), time.Now()); f.Compliance != checks.NonCompliant || f.Remedy != vpcendpoint.ID {
		t.Fatalf("before: %+v", f)
	}

	p, err := vpcendpoint.PlanFor(ctx(t), e.ec2, before)
	if err != nil {
		t.Fatal(err)
	}
	ops := opsOf(p)
	if strings.Join(ops, ",") != "CreateSecurityGroup,AuthorizeSecurityGroupIngress,CreateVpcEndpoint" {
		t.Fatalf("calls %v", ops)
	}
	params := func(i int) map[string]any {
		raw, err := remedies.Params(p.Calls[i])
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return m
	}
	ingress := params(1)["IpPermissions"].([]any)[0].(map[string]any)
	if ingress["FromPort"].(float64) != 443 || ingress["IpRanges"].([]any)[0].(map[string]any)["CidrIp"] != "10.4.0.0/16" {
		t.Errorf("ingress %v", ingress)
	}
	ep := params(2)
	if ep["ServiceName"] != "com.amazonaws.us-east-1.secretsmanager" || ep["PrivateDnsEnabled"] != true || ep["VpcEndpointType"] != "Interface" ||
		ep["ClientToken"] != "secretguard-"+n.VPC || len(ep["SubnetIds"].([]any)) != 1 || ep["SubnetIds"].([]any)[0] != n.Subnets[1] ||
		ep["SecurityGroupIds"].([]any)[0] != vpcendpoint.GroupFromPlan {
		t.Errorf("CreateVpcEndpoint %v (only the private subnet %s)", ep, n.Subnets[1])
	}

	done, err := vpcendpoint.Apply(ctx(t), e.ec2, p)
	if err != nil || len(done) != 3 {
		t.Fatalf("apply: %v %+v", err, done)
	}
	for _, d := range done {
		if d.Outcome != remedies.OutcomeOK || strings.Contains(string(d.Params), vpcendpoint.GroupFromPlan) {
			t.Errorf("applied %+v", d)
		}
	}
	after := e.account()
	if f := checks.EvaluateResource(vpcCheck(t), after, baseline.Default(), time.Now()); f.Compliance != checks.Compliant {
		t.Errorf("after: %+v", f)
	}
	again, err := vpcendpoint.PlanFor(ctx(t), e.ec2, after)
	if err != nil || !again.Empty() {
		t.Errorf("second plan %+v, %v: not idempotent", again, err)
	}
}

func TestPlanNeedsAPerson(t *testing.T) {
	e := setup(t)
	noDNS := e.s.VPC("10.5.0.0/16") // DNS hostnames off, as AWS creates VPCs
	allPublic := e.s.VPC("10.6.0.0/16")
	e.dnsHostnames(allPublic.VPC)
	e.makePublic(allPublic.VPC, allPublic.Subnets[0])
	e.makePublic(allPublic.VPC, allPublic.Subnets[1])
	ok := e.s.VPC("10.7.0.0/16")
	e.dnsHostnames(ok.VPC)
	for i, n := range []workloadtest.Network{noDNS, allPublic, ok} {
		e.s.Function("fn"+string(rune('a'+i)), nil, n.Subnets, []string{n.Group}, nil)
	}
	p, err := vpcendpoint.PlanFor(ctx(t), e.ec2, e.account())
	if !errors.Is(err, remedies.ErrNeedsHuman) {
		t.Fatalf("err %v, want NeedsHuman", err)
	}
	for _, want := range []string{noDNS.VPC + ": enableDnsHostnames is off", allPublic.VPC + ": no private subnet"} {
		if !strings.Contains(err.Error(), want) || !strings.Contains(p.Summary, want) {
			t.Errorf("error %q / summary %q lack %q", err, p.Summary, want)
		}
	}
	if n := strings.Count(strings.Join(opsOf(p), ","), "CreateVpcEndpoint"); n != 1 {
		t.Errorf("the fixable VPC is still planned: %v", opsOf(p))
	}
}

func TestPlanTurnsPrivateDNSOn(t *testing.T) {
	e := setup(t)
	n := e.s.VPC("10.8.0.0/16")
	e.s.Function("fn", nil, n.Subnets, []string{n.Group}, nil)
	id := e.s.Endpoint(n, workload.EndpointServiceName("aws", region), false)
	p, err := vpcendpoint.PlanFor(ctx(t), e.ec2, e.account())
	if err != nil || len(p.Calls) != 1 || p.Calls[0].Operation != "ModifyVpcEndpoint" {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if raw, _ := remedies.Params(p.Calls[0]); !strings.Contains(string(raw), id) || !strings.Contains(string(raw), `"PrivateDnsEnabled":true`) {
		t.Errorf("params %s", raw)
	}
}

func TestPlanRejectsWhatItCannotUse(t *testing.T) {
	if _, err := vpcendpoint.PlanFor(context.Background(), nil, &workload.Resource{Type: workload.TypeAccount, Account: &workload.Account{}}); err == nil {
		t.Error("planned without a network observation")
	}
	bad := remedies.Plan{Calls: []remedies.Call{{Service: "ec2", Operation: "DeleteVpc", Input: &ec2.DeleteVpcInput{}}}}
	if _, err := vpcendpoint.Apply(context.Background(), nil, bad); err == nil || !strings.Contains(err.Error(), "unsupported call") {
		t.Errorf("Apply of an unknown call: %v", err)
	}
	if !strings.Contains(strings.Join(vpcendpoint.IAMActions, ","), "ec2:CreateVpcEndpoint") || vpcendpoint.Fixes()[0] != baseline.CheckVPCEndpoint {
		t.Error("declarations")
	}
}

func opsOf(p remedies.Plan) []string {
	var ops []string
	for _, c := range p.Calls {
		ops = append(ops, c.Operation)
	}
	return ops
}

func vpcCheck(t *testing.T) checks.ResourceCheck {
	c, ok := checks.ResourceByID(baseline.CheckVPCEndpoint)
	if !ok {
		t.Fatal("no vpc-endpoint check")
	}
	return c
}
