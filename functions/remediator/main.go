// Command remediator is the Lambda function that keeps secrets on the
// baseline: Config compliance changes, Secrets Manager CloudTrail calls
// (from EventBridge, directly or through SQS) and direct requests each end
// in one level-based reconcile of one secret (see shared/engine); a direct
// {"sweep": {...}} reconciles a whole account and Region.
//
// Environment: AWS_REGION; BASELINE ("" for the embedded default,
// "ssm:<name>" or a file path); TABLE_NAME (the shared DynamoDB table:
// ledger and claims, required); EVENT_BUS_NAME (the secretguard bus; ""
// for the account's default bus); SPOKE_ROLE_NAME (default
// "secretguard-spoke"); DRY_RUN (see below). Its IAM actions are
// engine.Permissions().
//
// # DRY_RUN: preview
//
// DRY_RUN ("true", "1" or "yes": on; "", "false", "0" or "no": off; any
// other value fails the init, naming it) turns on engine.Engine.Preview for
// the whole deployment. The CDK stacks set it from the dryRun context, true
// in cdk.json: deploy first with it, read the tickets and logs, then deploy
// with -c dryRun=false. In preview no call that changes a secret is ever
// made; every decision is still recorded in the ledger and sent on the bus:
// ticket-mode findings are ticketed as usual, and each remedy's plan gives a
// Secret Remediated event with dryRun true, the calls secretguard would make
// and the fix (the notifier opens a ticket for it), once per plan and
// state. Every request is a preview, whatever the event says: a direct
// request's "dryRun": false cannot override DRY_RUN (it is logged and
// ignored), while "dryRun": true still writes nothing at all, as without
// DRY_RUN.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/lambdaenv"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/metrics"
	"github.com/secretguard/secretguard/shared/workload/observe"
)

func main() {
	lambda.Start(lambdaenv.Init(func(ctx context.Context, env lambdaenv.Env, log *slog.Logger) (*Handler, error) {
		return setup(ctx, env, os.Stdout, log) // metrics (EMF) go to stdout with the logs
	}).Handle)
}

// setup builds the handler once per process: SDK config, baseline, roles,
// ledger and bus.
func setup(ctx context.Context, getenv lambdaenv.Env, out io.Writer, log *slog.Logger) (*Handler, error) {
	preview, err := parseDryRun(getenv("DRY_RUN"))
	if err != nil {
		return nil, err
	}
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set: name the DynamoDB table (keys pk, sk; TTL attribute ttl) that holds the ledger and the claims")
	}
	counter, budget := awsenv.NewCounter(), awsenv.DefaultBudget()
	cfg, b, err := lambdaenv.Load(ctx, getenv, awsenv.Options{Budget: budget, Counter: counter})
	if err != nil {
		return nil, err
	}
	role := getenv.Or("SPOKE_ROLE_NAME", engine.DefaultSpokeRole)
	name := getenv("AWS_LAMBDA_FUNCTION_NAME")
	roles := awsenv.NewRoles(cfg, "secretguard-remediator", counter, budget)
	bus := getenv("EVENT_BUS_NAME")
	log.Info("remediator ready", "table", table, "eventBus", bus, "spokeRole", role, "maxChangesPerInvocation", b.MaxChangesPerInvocation,
		"preview", preview)
	if preview {
		log.Warn("DRY_RUN is on: preview, no secret will be changed; every plan is recorded and sent as a dry-run Secret Remediated event")
	}
	return &Handler{
		Roles: roles, Log: log, Metrics: metrics.New(out), Counter: counter, FunctionName: name,
		Engine: &engine.Engine{
			Baseline: b, Accounts: roles, RoleName: role,
			Ledger: &ledger.Store{DB: dynamodb.NewFromConfig(cfg), Table: table},
			Events: eventbridge.NewFromConfig(cfg), EventBus: bus,
			Actor: "lambda:" + name, Log: log, Preview: preview, NewWorkload: observe.Factory(nil),
		},
	}, nil
}

// parseDryRun reads DRY_RUN: "true", "1", "yes" → on; "", "false", "0",
// "no" → off (any case); anything else is an error naming the value.
func parseDryRun(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes":
		return true, nil
	case "", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("DRY_RUN is %q: want true, 1 or yes (preview: change nothing, ticket what would change) or false, 0, no or empty (remediate)", v)
}
