package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/workloadtest"
)

const vpcRemediateBaseline = `
version: 1
classes: [{name: standard, maxRotationDays: 90}]
checks:
  vpc-endpoint: {mode: remediate}
`

// TestRemediateAccountVPCEndpoint: remediate --account previews the
// create-vpc-endpoint plan (the exact ec2 calls, nothing created), then
// with --yes creates the endpoint; the VPC ends with one Secrets Manager
// interface endpoint with private DNS, and a second run finds nothing to do.
func TestRemediateAccountVPCEndpoint(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, primaryRegion)
	s := workloadtest.New(t, cfg, srv.Endpoint)
	n := s.VPC("10.9.0.0/16")
	s.Function("orders-api", nil, n.Subnets, []string{n.Group}, nil)
	c := ec2.NewFromConfig(cfg)
	ctx := context.Background()
	if _, err := c.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(n.VPC),
		EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	endpoints := func() []ec2types.VpcEndpoint {
		out, err := c.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{
			{Name: aws.String("vpc-id"), Values: []string{n.VPC}},
			{Name: aws.String("service-name"), Values: []string{workload.EndpointServiceName("aws", primaryRegion)}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out.VpcEndpoints
	}
	file := writeBaseline(t, vpcRemediateBaseline)
	awsfix.MotoEnv(t, srv, primaryRegion)

	code, out, errOut := runCLI(t, "remediate", "--account", "--check", "vpc-endpoint", "--baseline", file, "--dry-run")
	if code != exitNonCompliant || !strings.Contains(out, "PLANNED") || !strings.Contains(out, "aws ec2 create-vpc-endpoint") ||
		!strings.Contains(out, "1 account checks: 1 planned") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if eps := endpoints(); len(eps) != 0 {
		t.Fatalf("the dry run created %d endpoints", len(eps))
	}

	code, out, errOut = runCLI(t, "remediate", "--account", "--check", "vpc-endpoint", "--baseline", file, "--yes")
	if code != exitOK || !strings.Contains(out, "applied: 0 secrets, 1 account checks: 1 remediated") {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if eps := endpoints(); len(eps) != 1 || !aws.ToBool(eps[0].PrivateDnsEnabled) {
		t.Fatalf("endpoints after apply: %+v", eps)
	}
	if code, out, errOut := runCLI(t, "remediate", "--account", "--check", "vpc-endpoint", "--baseline", file, "--yes"); code != exitOK ||
		!strings.Contains(errOut, "nothing to apply") || len(endpoints()) != 1 {
		t.Fatalf("again: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestRemediateAccountUsage(t *testing.T) {
	awsfix.IsolateEnv(t, "http://127.0.0.1:1", "testing", "us-east-1")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"remediate", "--check", "vpc-endpoint", "--all"}, "--check vpc-endpoint is an account check: add --account"},
		{[]string{"remediate", "--account", "--check", "no-plaintext-lambda-env"}, "evaluates AWS::Lambda::Function, which has no remedy"},
		{[]string{"remediate", "--account", "--check", "required-tags"}, "--check names no account check"},
		{[]string{"remediate", "--all", "--account", "--check", "vpc-endpoint"}, "names no secret check"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want usage error with %q", tc.args, code, errOut, tc.want)
		}
	}
}
