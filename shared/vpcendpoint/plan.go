// Package vpcendpoint is the remedy of the vpc-endpoint check,
// create-vpc-endpoint: for each VPC that holds Lambda functions or ECS
// services and has no Secrets Manager interface endpoint, create one in the
// VPC's private subnets (one per Availability Zone) with a security group
// that admits HTTPS (TCP 443) from the VPC's CIDR blocks and private DNS on;
// for an endpoint whose private DNS is off, turn it on.
//
// It follows the remedies package's style: Plan reads (never writes) and
// returns the exact calls with their parameters (remedies.Call, rendered by
// remedies.Params), Apply sends them, and a second Plan after Apply is
// empty. It is opt-in: endpoints cost money per hour and per Availability
// Zone, so the baseline's default mode for vpc-endpoint is ticket and only
// a check in remediate mode may apply it. A VPC without a private subnet,
// or without DNS support and DNS hostnames (which private DNS needs), is
// left for a person (remedies.NeedsHuman).
//
// The endpoint's security group does not exist when the plan is made, so
// the CreateVpcEndpoint call names it by the placeholder GroupFromPlan
// (CreateSecurityGroup.GroupId), which Apply replaces with the ID the
// CreateSecurityGroup call returned. CreateVpcEndpoint carries a ClientToken
// derived from the VPC, so a retried Apply does not create a second
// endpoint; an existing group of the same name in the VPC is reused.
package vpcendpoint

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/workload"
)

// EC2API is the set of EC2 methods Plan and Apply call.
type EC2API interface {
	DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeVpcAttribute(ctx context.Context, in *ec2.DescribeVpcAttributeInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error)
	DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DescribeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error)
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	CreateSecurityGroup(ctx context.Context, in *ec2.CreateSecurityGroupInput, optFns ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, optFns ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	CreateVpcEndpoint(ctx context.Context, in *ec2.CreateVpcEndpointInput, optFns ...func(*ec2.Options)) (*ec2.CreateVpcEndpointOutput, error)
	ModifyVpcEndpoint(ctx context.Context, in *ec2.ModifyVpcEndpointInput, optFns ...func(*ec2.Options)) (*ec2.ModifyVpcEndpointOutput, error)
}

var _ EC2API = (*ec2.Client)(nil)

// ID is the remedy's ID.
const ID = baseline.RemedyCreateVPCEndpoint

// Fixes lists the checks the remedy fixes.
func Fixes() []string { return []string{baseline.CheckVPCEndpoint} }

// IAMActions lists every action Plan and Apply use: ec2:CreateTags for
// the tags set at creation, and route53:AssociateVPCWithHostedZone, which
// the Service Authorization Reference lists as a dependent action of
// ec2:CreateVpcEndpoint (private DNS associates the VPC with the
// endpoint's AWS-managed private hosted zone).
var IAMActions = []string{
	"ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups",
	"ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint", "ec2:CreateTags",
	"route53:AssociateVPCWithHostedZone",
}

// ServiceEC2 is the Service of every call.
const ServiceEC2 = "ec2"

// GroupName is the name of the endpoint's security group in each VPC.
const GroupName = "secretguard-secretsmanager-endpoint"

// GroupFromPlan stands, in a planned CreateVpcEndpoint, for the ID of the
// group the plan's CreateSecurityGroup creates; Apply replaces it.
const GroupFromPlan = "{{CreateSecurityGroup.GroupId}}"

// ManagedTag marks what the remedy creates.
const ManagedTag = "secretguard:managed-by"

// PlanFor computes the calls that give every VPC of the observed account
// (a workload.Resource of type AWS::::Account with its network read) a
// Secrets Manager endpoint with private DNS. It returns the plan for the
// VPCs it can fix together with a remedies.NeedsHuman error naming those it
// cannot; any other error is a failed read and the plan is empty.
func PlanFor(ctx context.Context, c EC2API, r *workload.Resource) (remedies.Plan, error) {
	p := remedies.Plan{Remedy: ID}
	if r == nil || r.Type != workload.TypeAccount || r.Account == nil || !r.Account.NetworkKnown {
		return p, errors.New("create-vpc-endpoint: needs an account observation with its network read")
	}
	missing, noDNS := checks.VPCsWithoutEndpoint(r.Account)
	service := workload.EndpointServiceName(r.Partition, r.Region)
	var human []string
	for _, vpc := range missing {
		calls, why, err := planVPC(ctx, c, vpc.ID, service)
		switch {
		case err != nil:
			return remedies.Plan{Remedy: ID}, err
		case why != "":
			human = append(human, vpc.ID+": "+why)
		default:
			p.Calls = append(p.Calls, calls...)
		}
	}
	for _, vpc := range noDNS {
		for _, e := range r.Account.Endpoints {
			if e.VPCID == vpc && !e.PrivateDNSEnabled {
				p.Calls = append(p.Calls, remedies.Call{Service: ServiceEC2, Operation: "ModifyVpcEndpoint",
					Input: &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String(e.ID), PrivateDnsEnabled: aws.Bool(true)}})
				break
			}
		}
	}
	var parts []string
	if n := countOp(p.Calls, "CreateVpcEndpoint"); n > 0 {
		parts = append(parts, fmt.Sprintf("create %d Secrets Manager endpoint(s) (%s)", n, service))
	}
	if n := countOp(p.Calls, "ModifyVpcEndpoint"); n > 0 {
		parts = append(parts, fmt.Sprintf("turn private DNS on for %d endpoint(s)", n))
	}
	p.Summary = strings.Join(parts, " and ")
	if p.Summary == "" {
		p.Summary = "nothing to create"
	}
	if len(human) > 0 {
		p.Summary += "; left for a person: " + strings.Join(human, "; ")
		return p, remedies.NeedsHuman(strings.Join(human, "; "))
	}
	return p, nil
}

func countOp(calls []remedies.Call, op string) int {
	n := 0
	for _, c := range calls {
		if c.Operation == op {
			n++
		}
	}
	return n
}

// planVPC plans one VPC's endpoint, or says why a person must.
func planVPC(ctx context.Context, c EC2API, vpc, service string) ([]remedies.Call, string, error) {
	vo, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	if err != nil {
		return nil, "", fmt.Errorf("DescribeVpcs %s: %w", vpc, err)
	}
	if len(vo.Vpcs) == 0 {
		return nil, "the VPC no longer exists", nil
	}
	cidrs := vpcCIDRs(vo.Vpcs[0])
	for _, attr := range []ec2types.VpcAttributeName{ec2types.VpcAttributeNameEnableDnsSupport, ec2types.VpcAttributeNameEnableDnsHostnames} {
		ao, err := c.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpc), Attribute: attr})
		if err != nil {
			return nil, "", fmt.Errorf("DescribeVpcAttribute %s %s: %w", vpc, attr, err)
		}
		on := (attr == ec2types.VpcAttributeNameEnableDnsSupport && ao.EnableDnsSupport != nil && aws.ToBool(ao.EnableDnsSupport.Value)) ||
			(attr == ec2types.VpcAttributeNameEnableDnsHostnames && ao.EnableDnsHostnames != nil && aws.ToBool(ao.EnableDnsHostnames.Value))
		if !on {
			return nil, fmt.Sprintf("%s is off (private DNS needs DNS support and DNS hostnames)", attr), nil
		}
	}
	subnets, err := privateSubnets(ctx, c, vpc)
	if err != nil {
		return nil, "", err
	}
	if len(subnets) == 0 {
		return nil, "no private subnet (every subnet routes 0.0.0.0/0 to an internet gateway)", nil
	}
	var calls []remedies.Call
	group, err := existingGroup(ctx, c, vpc)
	if err != nil {
		return nil, "", err
	}
	tags := func(t ec2types.ResourceType) []ec2types.TagSpecification {
		return []ec2types.TagSpecification{{ResourceType: t, Tags: []ec2types.Tag{{Key: aws.String(ManagedTag), Value: aws.String("secretguard")}}}}
	}
	if group == "" {
		group = GroupFromPlan
		calls = append(calls, remedies.Call{Service: ServiceEC2, Operation: "CreateSecurityGroup", Input: &ec2.CreateSecurityGroupInput{
			GroupName: aws.String(GroupName), VpcId: aws.String(vpc), TagSpecifications: tags(ec2types.ResourceTypeSecurityGroup),
			Description: aws.String("secretguard: HTTPS from the VPC to the Secrets Manager endpoint"),
		}})
		perm := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443)}
		for _, cidr := range cidrs {
			perm.IpRanges = append(perm.IpRanges, ec2types.IpRange{CidrIp: aws.String(cidr), Description: aws.String("VPC " + vpc)})
		}
		calls = append(calls, remedies.Call{Service: ServiceEC2, Operation: "AuthorizeSecurityGroupIngress", Input: &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: aws.String(GroupFromPlan), IpPermissions: []ec2types.IpPermission{perm},
		}})
	}
	calls = append(calls, remedies.Call{Service: ServiceEC2, Operation: "CreateVpcEndpoint", Input: &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(vpc), ServiceName: aws.String(service), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		SubnetIds: subnets, SecurityGroupIds: []string{group}, PrivateDnsEnabled: aws.Bool(true),
		ClientToken: aws.String("secretguard-" + vpc), TagSpecifications: tags(ec2types.ResourceTypeVpcEndpoint),
	}})
	return calls, "", nil
}

// vpcCIDRs lists a VPC's associated IPv4 blocks, primary first.
func vpcCIDRs(v ec2types.Vpc) []string {
	out := []string{aws.ToString(v.CidrBlock)}
	for _, a := range v.CidrBlockAssociationSet {
		c := aws.ToString(a.CidrBlock)
		if c != "" && !slices.Contains(out, c) && (a.CidrBlockState == nil || a.CidrBlockState.State == ec2types.VpcCidrBlockStateCodeAssociated) {
			out = append(out, c)
		}
	}
	return out
}

// privateSubnets returns one private subnet per Availability Zone (the
// lowest ID), sorted: a subnet is private when its route table (its own
// association, else the VPC's main table) sends no default route to an
// internet gateway.
func privateSubnets(ctx context.Context, c EC2API, vpc string) ([]string, error) {
	filter := []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}}
	so, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: filter})
	if err != nil {
		return nil, fmt.Errorf("DescribeSubnets %s: %w", vpc, err)
	}
	ro, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filter})
	if err != nil {
		return nil, fmt.Errorf("DescribeRouteTables %s: %w", vpc, err)
	}
	public := map[string]bool{} // subnet (or "main") -> routes to an internet gateway
	for _, rt := range ro.RouteTables {
		igw := false
		for _, r := range rt.Routes {
			if strings.HasPrefix(aws.ToString(r.GatewayId), "igw-") &&
				(aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" || aws.ToString(r.DestinationIpv6CidrBlock) == "::/0") {
				igw = true
			}
		}
		for _, a := range rt.Associations {
			switch {
			case aws.ToBool(a.Main):
				public["main"] = igw
			case aws.ToString(a.SubnetId) != "":
				public[aws.ToString(a.SubnetId)] = igw
			}
		}
	}
	byAZ := map[string]string{}
	for _, s := range so.Subnets {
		id := aws.ToString(s.SubnetId)
		isPublic, explicit := public[id]
		if !explicit {
			isPublic = public["main"]
		}
		if isPublic {
			continue
		}
		az := aws.ToString(s.AvailabilityZone)
		if cur, ok := byAZ[az]; !ok || id < cur {
			byAZ[az] = id
		}
	}
	out := make([]string, 0, len(byAZ))
	for _, id := range byAZ {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// existingGroup returns the ID of the remedy's group in the VPC, or "".
func existingGroup(ctx context.Context, c EC2API, vpc string) (string, error) {
	out, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{GroupName}},
	}})
	if err != nil {
		return "", fmt.Errorf("DescribeSecurityGroups %s: %w", vpc, err)
	}
	for _, g := range out.SecurityGroups {
		if aws.ToString(g.GroupName) == GroupName {
			return aws.ToString(g.GroupId), nil
		}
	}
	return "", nil
}
