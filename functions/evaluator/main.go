// Command evaluator is the Lambda function behind every secretguard AWS
// Config rule: the rule's parameters name the check, and the function puts
// one evaluation per secret (see shared/configrule).
//
// Environment: AWS_REGION; BASELINE ("" for the embedded default,
// "ssm:<name>" or a file path); SPOKE_ROLE_NAME (default
// "secretguard-spoke-evaluator"); SWEEP_MAX_HOPS and SWEEP_MAX_CHAIN_AGE (a Go
// duration) bound a handed-over sweep (defaults 100 and 24h).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	lambdasvc "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/configrule"
	"github.com/secretguard/secretguard/shared/lambdaenv"
	"github.com/secretguard/secretguard/shared/metrics"
	"github.com/secretguard/secretguard/shared/workload/observe"
)

// DefaultSpokeRole is the role assumed in member accounts: the evaluator's
// own, read-only spoke role, as the CDK stacks deploy it.
var DefaultSpokeRole = awsenv.SpokeRole(awsenv.DefaultSpokeRolePrefix, "evaluator")

func main() {
	lambda.Start(lambdaenv.Raw(lambdaenv.Init(func(ctx context.Context, env lambdaenv.Env, log *slog.Logger) (*Handler, error) {
		return setup(ctx, env, os.Stdout, log) // metrics (EMF) go to stdout with the logs
	}).Handle))
}

// setup builds the handler once per process: SDK config, baseline, roles.
func setup(ctx context.Context, getenv lambdaenv.Env, out io.Writer, log *slog.Logger) (*Handler, error) {
	limits, err := sweepLimits(getenv)
	if err != nil {
		return nil, err
	}
	counter, budget := awsenv.NewCounter(), awsenv.DefaultBudget()
	cfg, b, err := lambdaenv.Load(ctx, getenv, awsenv.Options{Budget: budget, Counter: counter})
	if err != nil {
		return nil, err
	}
	role := getenv.Or("SPOKE_ROLE_NAME", DefaultSpokeRole)
	roles := awsenv.NewRoles(cfg, "secretguard-evaluator", counter, budget)
	return &Handler{
		Roles: roles,
		Evaluator: &configrule.Evaluator{
			Baseline: b, Accounts: roles, RoleName: role,
			Invoker: lambdasvc.NewFromConfig(cfg), Counter: counter, NewWorkload: observe.Factory(nil),
			Log: log, Metrics: metrics.New(out), FunctionName: getenv("AWS_LAMBDA_FUNCTION_NAME"),
			Sweep: limits,
		},
	}, nil
}

func sweepLimits(getenv lambdaenv.Env) (configrule.SweepLimits, error) {
	var l configrule.SweepLimits
	hops, err := getenv.PositiveInt("SWEEP_MAX_HOPS", 0)
	if err != nil {
		return l, err
	}
	l.MaxHops = hops
	if v := getenv("SWEEP_MAX_CHAIN_AGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return l, fmt.Errorf("SWEEP_MAX_CHAIN_AGE=%q: want a positive duration such as 24h", v)
		}
		l.MaxChainAge = d
	}
	return l, nil
}
