package vpcendpoint

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/workload"
)

// Remedy is create-vpc-endpoint as the engine runs it (an
// engine.ResourceRemedy): PlanFor and Apply with the EC2 client of the
// account's config.
type Remedy struct {
	// NewEC2 builds the client from an account's config (default: the
	// SDK's). Tests pass fakes.
	NewEC2 func(aws.Config) EC2API
}

// ID is the remedy's ID.
func (Remedy) ID() string { return ID }

func (m Remedy) client(cfg aws.Config) EC2API {
	if m.NewEC2 != nil {
		return m.NewEC2(cfg)
	}
	return ec2.NewFromConfig(cfg)
}

// Plan is PlanFor (no Before/After: the state is
// the account's network, not a secret's; no Undo: deleting an endpoint
// that workloads may already use is a person's decision).
func (m Remedy) Plan(ctx context.Context, cfg aws.Config, r *workload.Resource) (remedies.Plan, error) {
	return PlanFor(ctx, m.client(cfg), r)
}

// Apply sends the plan's calls (Apply).
func (m Remedy) Apply(ctx context.Context, cfg aws.Config, p remedies.Plan) ([]outcome.Call, error) {
	return Apply(ctx, m.client(cfg), p)
}
