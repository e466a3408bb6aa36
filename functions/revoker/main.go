// Command revoker is secretguard's emergency revoke-and-rotate function for
// incident responders, invoked directly (aws lambda invoke, a runbook step)
// or by `secretguard revoke --function NAME`. The payload is a
// revoke.Request (samples in events/revoker); the result is a revoke.Report.
//
// Environment: AWS_REGION; TABLE_NAME (the shared state table, required);
// EVENT_BUS_NAME (the bus the notifier listens on, required); BASELINE (""
// for the embedded default, "ssm:<name>" or a file path); MAX_SECRETS (the
// cap per invocation, default 20).
package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/lambdaenv"
	"github.com/secretguard/secretguard/shared/revoke"
)

func main() { lambda.Start(lambdaenv.Raw(lambdaenv.Init(setup).Handle)) }

// setup builds the handler once per process: SDK config, baseline, clients.
func setup(ctx context.Context, getenv lambdaenv.Env, log *slog.Logger) (*Handler, error) {
	table, bus := getenv("TABLE_NAME"), getenv("EVENT_BUS_NAME")
	if table == "" || bus == "" {
		return nil, fmt.Errorf("TABLE_NAME and EVENT_BUS_NAME must be set (got %q, %q)", table, bus)
	}
	maxSecrets, err := getenv.PositiveInt("MAX_SECRETS", revoke.DefaultMaxSecrets)
	if err != nil {
		return nil, err
	}
	cfg, b, err := lambdaenv.Load(ctx, getenv, awsenv.Options{Counter: awsenv.NewCounter()})
	if err != nil {
		return nil, err
	}
	r := revoke.NewRunner(cfg, b, table, bus, log)
	r.MaxSecrets = maxSecrets
	return &Handler{Runner: r, Log: log}, nil
}
