package stacks

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// function is one deployed function with its plumbing.
type function struct {
	fn    awslambda.Function
	role  awsiam.Role
	queue awssqs.Queue // input queue (queue-triggered functions), else nil
	dlq   awssqs.Queue // failed invocations or messages (nil for direct invoke)
	// granted are the resources its role's statements name, for the
	// role's cdk-nag suppressions (suppressWildcards).
	granted []string
}

// functions wires every function of cfg.Functions the same way: log group
// with retention, a role with exactly the function's grants, arm64
// provided.al2023 from <binDir>/<name>/bootstrap, a DLQ, and alarms on
// errors and DLQ depth. Adding a function is one line in catalog.
type functions struct {
	scope  constructs.Construct
	byName map[string]*function
}

func newFunctions(scope constructs.Construct, cfg *Config, region string, w *wiring, topic awssns.ITopic) (*functions, error) {
	fs := &functions{scope: constructs.NewConstruct(scope, jsii.String("Functions")), byName: map[string]*function{}}
	binDir := cfg.BinDir
	if !filepath.IsAbs(binDir) {
		if root, err := repoRoot(); err == nil {
			binDir = filepath.Join(root, binDir)
		}
	}
	alarm := awscloudwatchactions.NewSnsAction(topic)
	for _, name := range cfg.Functions {
		s := specFor(name)
		dir := filepath.Join(binDir, name)
		if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err != nil {
			return nil, fmt.Errorf("%s: no %s/bootstrap: run make build first (or pass -c binDir=DIR)", name, dir)
		}
		f, err := fs.add(s, cfg, region, w, dir)
		if err != nil {
			return nil, err
		}
		// Any error, and any message left in the DLQ, pages the topic.
		atLeastOne := func(m awscloudwatch.Metric, id, what string) {
			m.CreateAlarm(fs.scope, jsii.String(name+id), &awscloudwatch.CreateAlarmOptions{
				AlarmDescription:   jsii.String("secretguard " + name + ": " + what),
				Threshold:          jsii.Number(1),
				EvaluationPeriods:  jsii.Number(1),
				ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
				TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			}).AddAlarmAction(alarm)
		}
		fiveMinutes := func(stat string) *awscloudwatch.MetricOptions {
			return &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String(stat)}
		}
		atLeastOne(f.fn.MetricErrors(fiveMinutes("Sum")), "Errors", "the function reported errors")
		if f.dlq != nil {
			atLeastOne(f.dlq.MetricApproximateNumberOfMessagesVisible(fiveMinutes("Maximum")), "DLQDepth", "failed events are waiting in its dead-letter queue")
		}
		fs.byName[name] = f
	}
	return fs, nil
}

func (fs *functions) add(s *spec, cfg *Config, region string, w *wiring, dir string) (*function, error) {
	id := func(suffix string) *string { return jsii.String(s.name + suffix) }
	gs, err := s.grants(w)
	if err != nil {
		return nil, err
	}
	logs := awslogs.NewLogGroup(fs.scope, id("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + FunctionName(s.name)),
		Retention:     retentions[cfg.LogRetentionDays],
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	gs = append(gs, grant{actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, resources: []string{*logs.LogGroupArn()}})
	f := &function{}
	if s.trigger != triggerDirect {
		f.dlq = awssqs.NewQueue(fs.scope, id("DLQ"), &awssqs.QueueProps{
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:      jsii.Bool(true),
			RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		})
	}
	switch s.trigger {
	case triggerAsync:
		gs = append(gs, grant{actions: []string{"sqs:SendMessage"}, resources: []string{*f.dlq.QueueArn()}})
	case triggerQueue:
		f.queue = awssqs.NewQueue(fs.scope, id("Queue"), &awssqs.QueueProps{
			Encryption: awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL: jsii.Bool(true),
			// Six times the function timeout, as Lambda recommends.
			VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * s.timeout)),
			DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: f.dlq, MaxReceiveCount: jsii.Number(5)},
		})
		gs = append(gs, grant{actions: sqsConsumeActions, resources: []string{*f.queue.QueueArn()}})
	}
	sts, granted, err := statements(gs, ownRegion)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	f.granted = granted
	f.role = awsiam.NewRole(fs.scope, id("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(RoleName(s.name, region)),
		Description: jsii.String("secretguard " + s.name + ": exactly the actions its code declares"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"secretguard": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &sts}),
		},
	})
	env := map[string]*string{}
	for k, v := range s.env(w) {
		env[k] = jsii.String(v)
	}
	props := &awslambda.FunctionProps{
		FunctionName: jsii.String(FunctionName(s.name)),
		Description:  jsii.String("secretguard " + s.name),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(dir), nil),
		// Every permission is in the role's inline policy above: CDK's
		// automatic grants (a DefaultPolicy) would bypass the catalog.
		Role:        f.role.WithoutPolicyUpdates(nil),
		LogGroup:    logs,
		Timeout:     awscdk.Duration_Seconds(jsii.Number(s.timeout)),
		MemorySize:  jsii.Number(s.memory),
		Environment: &env,
	}
	if s.trigger == triggerAsync {
		props.DeadLetterQueue, props.RetryAttempts = f.dlq, jsii.Number(2)
	}
	f.fn = awslambda.NewFunction(fs.scope, id(""), props)
	// Role, log group and DLQ are all referenced (GetAtt/Ref), which orders
	// them; CDK's extra DependsOn on the role is cfn-lint W3005.
	f.fn.Node().DefaultChild().(awscdk.CfnResource).AddDeletionOverride(jsii.String("DependsOn"))
	if f.queue != nil {
		f.fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(f.queue, &awslambdaeventsources.SqsEventSourceProps{
			BatchSize:               jsii.Number(10),
			ReportBatchItemFailures: jsii.Bool(true),
		}))
	}
	return f, nil
}

// sqsConsumeActions are what a Lambda event source mapping needs on its queue.
var sqsConsumeActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"}

// spokeFunctions are the wired functions that act in member accounts,
// each through its own spoke role (catalog order).
func spokeFunctions(cfg *Config) []string {
	var out []string
	for _, s := range catalog {
		if s.spoke != nil && slices.Contains(cfg.Functions, s.name) {
			out = append(out, s.name)
		}
	}
	return out
}

// roleARNs are the exact ARNs of function fn's hub roles, one per Region
// of the deployment: the principals its spoke role trusts.
func roleARNs(cfg *Config, fn string) []string {
	var out []string
	for _, r := range cfg.Regions {
		out = append(out, arn("iam", "", cfg.HubAccount, "role/"+RoleName(fn, r)))
	}
	return out
}

// spokeActions are the actions function fn performs in member accounts:
// exactly what its spoke role allows.
func spokeActions(fn string) []string {
	out := slices.Clone(specFor(fn).spoke())
	slices.Sort(out)
	return slices.Compact(out)
}
