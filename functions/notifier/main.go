package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/lambdaenv"
	"github.com/secretguard/secretguard/shared/tickets"
)

func main() { lambda.Start(lambdaenv.Raw(lambdaenv.Init(setup).Handle)) }

// setup builds the handler once per process: SDK config, baseline, sinks,
// state table.
func setup(ctx context.Context, getenv lambdaenv.Env, log *slog.Logger) (*Handler, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set: name the DynamoDB table (keys pk, sk; TTL attribute ttl)")
	}
	cfg, b, err := lambdaenv.Load(ctx, getenv, awsenv.Options{})
	if err != nil {
		return nil, err
	}
	tc := b.TicketsOrDefault()
	c := tickets.Clients{
		OpsCenter: ssm.NewFromConfig(cfg), SecurityHub: securityhub.NewFromConfig(cfg), SNS: sns.NewFromConfig(cfg),
		Secrets: secretsmanager.NewFromConfig(cfg), Region: cfg.Region, Partition: awsenv.Partition(cfg.Region),
	}
	if slices.ContainsFunc(tc.Sinks, func(s baseline.Sink) bool { return s.Type == baseline.SinkSecurityHub }) {
		// Security Hub findings are imported in the notifier's own account.
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, fmt.Errorf("find own account for Security Hub: %w", err)
		}
		c.Account = aws.ToString(id.Account)
	}
	sinks, err := tickets.NewSinks(tc, c)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(sinks))
	for i, s := range sinks {
		names[i] = s.Name()
	}
	log.Info("notifier ready", "table", table, "sinks", names, "retentionDays", tc.RetentionDays)
	return &Handler{
		Log: log,
		Tracker: &tickets.Tracker{
			Store: &tickets.Store{
				DB: dynamodb.NewFromConfig(cfg), Table: table,
				Retention: time.Duration(tc.RetentionDays) * 24 * time.Hour,
			},
			Sinks:   sinks,
			Options: tickets.Options{WaiverTagPrefix: b.Waivers.TagPrefix, WaiverMaxDays: b.Waivers.MaxDays},
			Log:     log,
		},
	}, nil
}
