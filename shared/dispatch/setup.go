package dispatch

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
)

// Setup builds a function's Handler once per process, the same way for
// both functions: DRY_RUN (engine.Engine.Preview), TABLE_NAME (required),
// the SDK config and the baseline (lambdaenv.Load), the spoke roles
// (SPOKE_ROLE_NAME), the ledger, the bus (EVENT_BUS_NAME) and the engine.
// wire, when not nil, adds the function's own parts to the engine before
// the handler is returned (the workloads function: NewWorkload and
// ResourceRemedies). Metrics (EMF) go to out.
func Setup(ctx context.Context, getenv lambdaenv.Env, out io.Writer, log *slog.Logger, serves Serves, wire func(*engine.Engine)) (*Handler, error) {
	preview, err := ParseDryRun(getenv("DRY_RUN"))
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
	role := getenv.Or("SPOKE_ROLE_NAME", awsenv.SpokeRole(awsenv.DefaultSpokeRolePrefix, serves.Name()))
	name := getenv("AWS_LAMBDA_FUNCTION_NAME")
	roles := awsenv.NewRoles(cfg, serves.Function(), counter, budget)
	bus := getenv("EVENT_BUS_NAME")
	h := &Handler{
		Serves: serves, Roles: roles, Log: log, Metrics: metrics.New(out), Counter: counter, FunctionName: name,
		Engine: &engine.Engine{
			Baseline: b, Accounts: roles, RoleName: role,
			Ledger: &ledger.Store{DB: dynamodb.NewFromConfig(cfg), Table: table},
			Events: eventbridge.NewFromConfig(cfg), EventBus: bus,
			Actor: "lambda:" + name, Log: log, Preview: preview,
		},
	}
	if wire != nil {
		wire(h.Engine)
	}
	remedies := make([]string, 0, len(h.Engine.ResourceRemedies))
	for _, r := range h.Engine.ResourceRemedies {
		remedies = append(remedies, r.ID())
	}
	log.Info(serves.Name()+" ready", "serves", serves.String(), "table", table, "eventBus", bus, "spokeRole", role,
		"maxChangesPerInvocation", b.MaxChangesPerInvocation, "preview", preview, "resourceRemedies", remedies)
	if preview {
		log.Warn("DRY_RUN is on: preview, " + serves.unchanged() + "; every plan is recorded and sent as a dry-run Secret Remediated event")
	}
	return h, nil
}

// ParseDryRun reads DRY_RUN: "true", "1", "yes" → on; "", "false", "0",
// "no" → off (any case); anything else is an error naming the value.
func ParseDryRun(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes":
		return true, nil
	case "", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("DRY_RUN is %q: want true, 1 or yes (preview: change nothing, ticket what would change) or false, 0, no or empty (remediate)", v)
}

// Function is one function's part of Setup: what it serves and what it
// adds to the engine (nil: nothing).
type Function struct {
	Serves Serves
	Wire   func(*engine.Engine)
}

// Setup is Setup for this function.
func (f Function) Setup(ctx context.Context, getenv lambdaenv.Env, out io.Writer, log *slog.Logger) (*Handler, error) {
	return Setup(ctx, getenv, out, log, f.Serves, f.Wire)
}

// Main runs the function under the Lambda runtime: Setup once per process
// (a failure exits, logged), metrics (EMF) to stdout with the logs, and
// every payload handed to Handle as it came (lambdaenv.Raw).
func (f Function) Main() {
	lambda.Start(lambdaenv.Raw(lambdaenv.Init(func(ctx context.Context, env lambdaenv.Env, log *slog.Logger) (*Handler, error) {
		return f.Setup(ctx, env, os.Stdout, log)
	}).Handle))
}
