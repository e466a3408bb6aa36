package revoke

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretguard/secretguard/shared/baseline"
)

// NewRunner builds a Runner with every client made from cfg, which should
// come from awsenv.Load (rate limits, retries, call counting) for the
// secrets' account and Region. Table and EventBus are the shared table and
// the secretguard bus.
func NewRunner(cfg aws.Config, b *baseline.Baseline, table, eventBus string, log *slog.Logger) *Runner {
	return &Runner{
		Secrets: secretsmanager.NewFromConfig(cfg),
		// Evidence must not hold up the Deny: few retries (LookupEvents
		// allows 2 calls a second; the lookup is also bounded in time).
		CloudTrail: cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.RetryMaxAttempts = 3 }),
		IAM:        iam.NewFromConfig(cfg),
		STS:        sts.NewFromConfig(cfg),
		Lambda:     lambda.NewFromConfig(cfg),
		RDS:        rds.NewFromConfig(cfg),
		Events:     eventbridge.NewFromConfig(cfg),
		DynamoDB:   dynamodb.NewFromConfig(cfg),
		Table:      table,
		EventBus:   eventBus,
		Baseline:   b,
		Region:     cfg.Region,
		Log:        log,
	}
}
