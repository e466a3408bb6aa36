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
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/revoke"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// setup builds the handler once per process: SDK config, baseline, clients.
func setup(ctx context.Context, getenv func(string) string, log *slog.Logger) (*Handler, error) {
	table, bus := getenv("TABLE_NAME"), getenv("EVENT_BUS_NAME")
	if table == "" || bus == "" {
		return nil, fmt.Errorf("TABLE_NAME and EVENT_BUS_NAME must be set (got %q, %q)", table, bus)
	}
	maxSecrets := revoke.DefaultMaxSecrets
	if v := getenv("MAX_SECRETS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("MAX_SECRETS=%q: want a whole number >= 1", v)
		}
		maxSecrets = n
	}
	cfg, err := awsenv.Load(ctx, awsenv.Options{Region: getenv("AWS_REGION"), Counter: awsenv.NewCounter()})
	if err != nil {
		return nil, err
	}
	b, err := baseline.Load(ctx, getenv("BASELINE"), awsenv.NewParameterReader(cfg))
	if err != nil {
		return nil, err
	}
	r := revoke.NewRunner(cfg, b, table, bus, log)
	r.MaxSecrets = maxSecrets
	return &Handler{Runner: r, Log: log}, nil
}
