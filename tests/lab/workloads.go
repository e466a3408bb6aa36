package lab

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/secretguard/secretguard/shared/dispatch"
	"github.com/secretguard/secretguard/shared/workload"
)

// Workloads is what SeedWorkloads created at the target.
type Workloads struct {
	Function string // a function with an access key in its environment
	VPC      string // the function's VPC, without a Secrets Manager endpoint
}

// LeakedKey is the access key ID in the seeded function's environment
// (not the documentation's EXAMPLE key, which the detector ignores).
const LeakedKey = "AKIA" + "Q4RT7YUIOP2ASDF3"

// SeedWorkloads creates what the workload and account checks look at: a
// VPC (DNS support and hostnames on, two private subnets, no Secrets
// Manager endpoint) and a Lambda function in it whose environment holds
// an AWS access key ID. On an account that is not moto it costs nothing
// until the vpc-endpoint remedy creates an endpoint.
func (l *Lab) SeedWorkloads(ctx context.Context) (Workloads, error) {
	cfg := l.Target.Config(Region)
	c := ec2.NewFromConfig(cfg)
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.42.0.0/16")})
	if err != nil {
		return Workloads{}, fmt.Errorf("create the workload VPC: %w", err)
	}
	w := Workloads{Function: "orders-api" + l.Target.Suffix, VPC: aws.ToString(v.Vpc.VpcId)}
	for _, attr := range []*ec2.ModifyVpcAttributeInput{
		{VpcId: v.Vpc.VpcId, EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		{VpcId: v.Vpc.VpcId, EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
	} {
		if _, err := c.ModifyVpcAttribute(ctx, attr); err != nil {
			return w, fmt.Errorf("turn DNS on in %s: %w", w.VPC, err)
		}
	}
	var subnets []string
	for i, az := range []string{"a", "b"} {
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("10.42.%d.0/24", i+1)),
			AvailabilityZone: aws.String(Region + az)})
		if err != nil {
			return w, fmt.Errorf("create a subnet in %s: %w", w.VPC, err)
		}
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	g, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("orders-api" + l.Target.Suffix), VpcId: v.Vpc.VpcId,
		Description: aws.String("secretguard lab: the workload's group")})
	if err != nil {
		return w, fmt.Errorf("create the workload's security group: %w", err)
	}
	role, err := iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(rotationFunction + l.Target.Suffix)})
	if err != nil {
		return w, fmt.Errorf("the functions' role: %w", err)
	}
	_, err = lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(w.Function), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: noopZip()},
		Description: aws.String("secretguard lab: a workload with a plaintext credential"),
		Environment: &lambdatypes.Environment{Variables: map[string]string{"AWS_ACCESS_KEY_ID": LeakedKey, "LOG_LEVEL": "info"}},
		VpcConfig:   &lambdatypes.VpcConfig{SubnetIds: subnets, SecurityGroupIds: []string{aws.ToString(g.GroupId)}},
	})
	if err != nil {
		return w, fmt.Errorf("create the workload function: %w", err)
	}
	return w, nil
}

// Workload asks the workloads function for one check of one resource (a
// direct request; resourceID is the function's name, or "" for an account
// check) and returns its answer.
func (l *Lab) Workload(ctx context.Context, check, resourceID string) (*dispatch.Response, error) {
	req := map[string]any{"check": check, "accountId": l.Target.Account, "region": Region}
	if resourceID != "" {
		req["resourceId"] = resourceID
	}
	return l.dispatch(ctx, "workloads", map[string]any{"resource": req})
}

// Endpoints lists the Secrets Manager interface endpoints of vpc.
func (l *Lab) Endpoints(ctx context.Context, vpc string) ([]ec2types.VpcEndpoint, error) {
	out, err := ec2.NewFromConfig(l.Target.Config(Region)).DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
		{Name: aws.String("service-name"), Values: []string{workload.EndpointServiceName("aws", Region)}},
	}})
	if err != nil {
		return nil, err
	}
	return out.VpcEndpoints, nil
}
