// Command accesswatch turns refused secret reads into alerts: it receives
// "AWS API Call via CloudTrail" events for GetSecretValue and
// BatchGetSecretValue (an EventBridge rule in state
// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, since they are read-only
// management events) and sends a "Secret Access Denied" event to the
// notifier's bus for each refusal, at most one per caller per window (see
// shared/accessdenied).
//
// Environment: AWS_REGION; EVENT_BUS_NAME (the bus the notifier listens
// on, required); TABLE_NAME (the shared state table that holds the
// per-caller throttle; empty: a per-container in-memory throttle, for
// trials only); THROTTLE_MINUTES (the window, default 60).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/secretguard/secretguard/shared/accessdenied"
	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/lambdaenv"
)

func main() { lambda.Start(lambdaenv.Raw(lambdaenv.Init(setup).Handle)) }

// setup builds the handler once per process.
func setup(ctx context.Context, getenv lambdaenv.Env, log *slog.Logger) (*Handler, error) {
	bus := getenv("EVENT_BUS_NAME")
	if bus == "" {
		return nil, fmt.Errorf("EVENT_BUS_NAME must be set")
	}
	minutes, err := getenv.PositiveInt("THROTTLE_MINUTES", int(accessdenied.DefaultWindow/time.Minute))
	if err != nil {
		return nil, err
	}
	window := time.Duration(minutes) * time.Minute
	cfg, err := awsenv.Load(ctx, awsenv.Options{Region: getenv("AWS_REGION")})
	if err != nil {
		return nil, err
	}
	var throttle accessdenied.Throttle = &accessdenied.MemoryThrottle{Window: window}
	if table := getenv("TABLE_NAME"); table != "" {
		throttle = &accessdenied.TableThrottle{Client: dynamodb.NewFromConfig(cfg), Table: table, Window: window}
	} else {
		log.Warn("TABLE_NAME is not set: the per-caller throttle is per container")
	}
	return &Handler{Watcher: &accessdenied.Watcher{Events: eventbridge.NewFromConfig(cfg), EventBus: bus, Throttle: throttle, Log: log}}, nil
}
