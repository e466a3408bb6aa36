package vpcendpoint

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
)

// Apply sends the plan's calls in order. The group a CreateSecurityGroup
// returns replaces GroupFromPlan in the calls that follow it (up to the
// next CreateSecurityGroup: each VPC's calls come together). It stops at
// the first error and returns what was done, each call with its outcome
// and its parameters as sent.
func Apply(ctx context.Context, c EC2API, p remedies.Plan) ([]outcome.Call, error) {
	for _, call := range p.Calls {
		if call.Service != ServiceEC2 || !known(call) {
			return nil, fmt.Errorf("create-vpc-endpoint: Apply: unsupported call %s:%s (%T)", call.Service, call.Operation, call.Input)
		}
	}
	var done []outcome.Call
	group := ""
	for _, call := range p.Calls {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		var err error
		switch in := call.Input.(type) {
		case *ec2.CreateSecurityGroupInput:
			var out *ec2.CreateSecurityGroupOutput
			if out, err = c.CreateSecurityGroup(ctx, in); err == nil {
				group = aws.ToString(out.GroupId)
			}
		case *ec2.AuthorizeSecurityGroupIngressInput:
			in.GroupId = substitute(in.GroupId, group)
			_, err = c.AuthorizeSecurityGroupIngress(ctx, in)
		case *ec2.CreateVpcEndpointInput:
			for i, g := range in.SecurityGroupIds {
				in.SecurityGroupIds[i] = aws.ToString(substitute(aws.String(g), group))
			}
			_, err = c.CreateVpcEndpoint(ctx, in)
		case *ec2.ModifyVpcEndpointInput:
			_, err = c.ModifyVpcEndpoint(ctx, in)
		}
		if err != nil {
			done = append(done, call.Outcome(err.Error()))
			return done, fmt.Errorf("%s: %w", call.Operation, err)
		}
		done = append(done, call.Outcome(remedies.OutcomeOK))
	}
	return done, nil
}

// substitute replaces GroupFromPlan with the group created before.
func substitute(id *string, group string) *string {
	if aws.ToString(id) == GroupFromPlan {
		if group == "" {
			return aws.String("(no group created before this call)")
		}
		return aws.String(group)
	}
	return id
}

func known(c remedies.Call) bool {
	switch c.Input.(type) {
	case *ec2.CreateSecurityGroupInput:
		return c.Operation == "CreateSecurityGroup"
	case *ec2.AuthorizeSecurityGroupIngressInput:
		return c.Operation == "AuthorizeSecurityGroupIngress"
	case *ec2.CreateVpcEndpointInput:
		return c.Operation == "CreateVpcEndpoint"
	case *ec2.ModifyVpcEndpointInput:
		return c.Operation == "ModifyVpcEndpoint"
	}
	return false
}
