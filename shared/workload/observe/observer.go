package observe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/credscan"
	"github.com/secretguard/secretguard/shared/scan"

	"github.com/secretguard/secretguard/shared/workload"
)

// LambdaAPI is the set of Lambda methods the Observer calls.
type LambdaAPI interface {
	ListFunctions(ctx context.Context, in *lambda.ListFunctionsInput, optFns ...func(*lambda.Options)) (*lambda.ListFunctionsOutput, error)
	GetFunction(ctx context.Context, in *lambda.GetFunctionInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
	ListTags(ctx context.Context, in *lambda.ListTagsInput, optFns ...func(*lambda.Options)) (*lambda.ListTagsOutput, error)
}

// ECSAPI is what the Observer asks of ECS. NewECS serves it with signed
// JSON requests (awsenv.JSONClient) rather than the SDK's ecs package, as
// for SSM: five read calls do not need ~0.6 MB of generated code.
type ECSAPI interface {
	// ListTaskDefinitions returns one page of ACTIVE revisions' ARNs and
	// the next token ("" at the end).
	ListTaskDefinitions(ctx context.Context, nextToken string) (arns []string, next string, err error)
	// DescribeTaskDefinition describes a revision (ARN or family:revision)
	// with its tags.
	DescribeTaskDefinition(ctx context.Context, id string) (*ECSTaskDefinition, error)
	ListClusters(ctx context.Context, nextToken string) (arns []string, next string, err error)
	ListServices(ctx context.Context, cluster, nextToken string) (arns []string, next string, err error)
	// DescribeServices describes at most 10 services of a cluster.
	DescribeServices(ctx context.Context, cluster string, services []string) ([]ECSService, error)
}

// ECSTaskDefinition is the part of a task definition the checks read.
type ECSTaskDefinition struct {
	TaskDefinitionArn    string `json:"taskDefinitionArn"`
	Family               string `json:"family"`
	Revision             int32  `json:"revision"`
	Status               string `json:"status"`
	ContainerDefinitions []struct {
		Name        string `json:"name"`
		Environment []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"environment"`
		Secrets []json.RawMessage `json:"secrets"` // counted, never read
	} `json:"containerDefinitions"`
	Tags map[string]string `json:"-"`
}

// ECSService is the part of a service the vpc-endpoint check reads.
type ECSService struct {
	ServiceName          string `json:"serviceName"`
	NetworkConfiguration *struct {
		AwsvpcConfiguration *struct {
			Subnets []string `json:"subnets"`
		} `json:"awsvpcConfiguration"`
	} `json:"networkConfiguration"`
}

// SSMAPI is what the Observer asks of SSM: DescribeParameters pages and
// GetParameters of String and StringList names, never with decryption.
// NewSSM serves it with signed JSON requests (awsenv.JSONClient) rather
// than the SDK's ssm package, which would add ~0.7 MB and its schemas'
// init to every function that observes accounts.
type SSMAPI interface {
	DescribeParameters(ctx context.Context, nextToken string) (params []SSMParameter, next string, err error)
	GetParameters(ctx context.Context, names []string) ([]SSMParameter, error)
}

// SSMParameter is a parameter as SSM describes it; Value only from
// GetParameters.
type SSMParameter struct {
	Name  string `json:"Name"`
	ARN   string `json:"ARN"`
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// EC2API is the set of EC2 methods the Observer calls.
type EC2API interface {
	DescribeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error)
}

// CloudTrailAPI is the set of CloudTrail methods the Observer calls.
type CloudTrailAPI interface {
	DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error)
	GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error)
	GetEventSelectors(ctx context.Context, in *cloudtrail.GetEventSelectorsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetEventSelectorsOutput, error)
}

// CloudWatchAPI is the CloudWatch method the Observer calls.
type CloudWatchAPI interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

var (
	_ LambdaAPI     = (*lambda.Client)(nil)
	_ EC2API        = (*ec2.Client)(nil)
	_ CloudTrailAPI = (*cloudtrail.Client)(nil)
	_ CloudWatchAPI = (*cloudwatch.Client)(nil)
)

// IAMActions lists every IAM action the Observer may call. None reads a
// secret value or decrypts a parameter.
var IAMActions = []string{
	"lambda:ListFunctions", "lambda:GetFunction", "lambda:ListTags",
	"ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition", "ecs:ListClusters", "ecs:ListServices", "ecs:DescribeServices",
	"ssm:DescribeParameters", "ssm:GetParameters",
	"ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints",
	"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors",
	"cloudwatch:GetMetricData",
}

// maxNamesPerVPC bounds the workload names kept per VPC for messages.
const maxNamesPerVPC = 5

// Observer reads workloads and account settings in one account and Region.
// Any client may be nil when no selected check needs it.
type Observer struct {
	Lambda     LambdaAPI
	ECS        ECSAPI
	SSM        SSMAPI
	EC2        EC2API
	CloudTrail CloudTrailAPI
	CloudWatch CloudWatchAPI

	AccountID string
	Region    string
	// Now is the clock of usage windows (default time.Now).
	Now func() time.Time
	// UsageHours is how many hours of usage to read (default 24).
	UsageHours int
}

// New builds an Observer with the SDK clients of cfg.
func New(cfg aws.Config, accountID string) *Observer {
	return &Observer{
		Lambda: lambda.NewFromConfig(cfg), ECS: NewECS(cfg), SSM: NewSSM(cfg),
		EC2: ec2.NewFromConfig(cfg), CloudTrail: cloudtrail.NewFromConfig(cfg), CloudWatch: cloudwatch.NewFromConfig(cfg),
		AccountID: accountID, Region: cfg.Region,
	}
}

// Factory returns a constructor of Observers with the SDK clients and the
// clock now (nil: time.Now), as engine.Engine and configrule.Evaluator
// take it.
func Factory(now func() time.Time) func(cfg aws.Config, accountID string) scan.ResourceObserver {
	return func(cfg aws.Config, accountID string) scan.ResourceObserver {
		o := New(cfg, accountID)
		o.Now = now
		return o
	}
}

var _ scan.ResourceObserver = (*Observer)(nil)

func (o *Observer) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Observer) partition() string { return awsenv.Partition(o.Region) }

// Functions lists every function of the Region (ListFunctions pages of 50,
// which carry the environment) and calls fn with each page. Tags are read
// (ListTags) only for functions that have an environment: a function
// without one is compliant whatever its tags say.
func (o *Observer) Functions(ctx context.Context, fn func([]*workload.Resource) error) error {
	var marker *string
	for {
		out, err := o.Lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{Marker: marker})
		if err != nil {
			return fmt.Errorf("lambda ListFunctions: %w", err)
		}
		page := make([]*workload.Resource, 0, len(out.Functions))
		for i := range out.Functions {
			r := o.functionResource(&out.Functions[i])
			if len(r.Function.Env) > 0 {
				o.functionTags(ctx, r)
			}
			page = append(page, r)
		}
		if err := fn(page); err != nil {
			return err
		}
		if marker = out.NextMarker; aws.ToString(marker) == "" {
			return nil
		}
	}
}

// Function reads one function by name or ARN (GetFunction, which carries
// its tags).
func (o *Observer) Function(ctx context.Context, id string) (*workload.Resource, error) {
	out, err := o.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(id)})
	switch {
	case awsenv.IsNotFound(err):
		return nil, fmt.Errorf("function %s: %w", id, workload.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("lambda GetFunction %s: %w", id, err)
	case out.Configuration == nil:
		return nil, fmt.Errorf("lambda GetFunction %s: no configuration", id)
	}
	r := o.functionResource(out.Configuration)
	r.Tags, r.Function.TagsKnown = out.Tags, true
	return r, nil
}

func (o *Observer) functionResource(c *lambdatypes.FunctionConfiguration) *workload.Resource {
	r := &workload.Resource{
		Type: workload.TypeFunction, ARN: aws.ToString(c.FunctionArn), Name: aws.ToString(c.FunctionName),
		AccountID: o.AccountID, Region: o.Region, Partition: o.partition(), Function: &workload.Function{},
	}
	r.ID = r.Name // AWS Config records a function by its name
	if a, err := arn.Parse(r.ARN); err == nil {
		r.AccountID, r.Region, r.Partition = a.AccountID, a.Region, a.Partition
	}
	if e := c.Environment; e != nil {
		if e.Error != nil {
			r.Function.EnvError = aws.ToString(e.Error.ErrorCode)
		}
		r.Function.Env = sortedVars(e.Variables)
	}
	if v := c.VpcConfig; v != nil && aws.ToString(v.VpcId) != "" {
		r.Function.VPCID, r.Function.SubnetIDs = aws.ToString(v.VpcId), v.SubnetIds
	}
	return r
}

func (o *Observer) functionTags(ctx context.Context, r *workload.Resource) {
	out, err := o.Lambda.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String(r.ARN)})
	if err != nil {
		r.Problem = "tags not read: " + describeErr(err)
		return
	}
	r.Tags, r.Function.TagsKnown = out.Tags, true
}

// sortedVars turns an environment map into Vars sorted by name, at most
// MaxEnvPerContainer of them.
func sortedVars(m map[string]string) []credscan.Var {
	if len(m) == 0 {
		return nil
	}
	out := make([]credscan.Var, 0, min(len(m), workload.MaxEnvPerContainer))
	for k, v := range m {
		out = append(out, credscan.Var{Name: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) > workload.MaxEnvPerContainer {
		out = out[:workload.MaxEnvPerContainer]
	}
	return out
}

// TaskDefinitions lists the ACTIVE task definition revisions of the Region
// and calls fn once per listed page (up to 100 revisions, each described
// with its tags). A revision that cannot be described is returned with a
// Problem; one deregistered meanwhile is Gone.
func (o *Observer) TaskDefinitions(ctx context.Context, fn func([]*workload.Resource) error) error {
	token := ""
	for {
		arns, next, err := o.ECS.ListTaskDefinitions(ctx, token)
		if err != nil {
			return fmt.Errorf("ecs ListTaskDefinitions: %w", err)
		}
		page := make([]*workload.Resource, 0, len(arns))
		for _, a := range arns {
			r, err := o.TaskDefinition(ctx, a)
			switch {
			case errors.Is(err, workload.ErrNotFound):
				r = o.taskDefinitionStub(a)
				r.Gone = true
			case err != nil:
				r = o.taskDefinitionStub(a)
				r.Problem = describeErr(err)
			}
			page = append(page, r)
		}
		if err := fn(page); err != nil {
			return err
		}
		if token = next; token == "" {
			return nil
		}
	}
}

// TaskDefinition describes one revision by ARN or family:revision.
func (o *Observer) TaskDefinition(ctx context.Context, id string) (*workload.Resource, error) {
	td, err := o.ECS.DescribeTaskDefinition(ctx, id)
	switch {
	case err != nil && (awsenv.IsNotFound(err) || isECSMissing(err)):
		return nil, fmt.Errorf("task definition %s: %w", id, workload.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("ecs DescribeTaskDefinition %s: %w", id, err)
	case td == nil || td.TaskDefinitionArn == "":
		return nil, fmt.Errorf("ecs DescribeTaskDefinition %s: %w", id, workload.ErrNotFound)
	}
	r := o.taskDefinitionStub(td.TaskDefinitionArn)
	r.TaskDefinition = &workload.TaskDefinition{Family: td.Family, Revision: td.Revision, Status: td.Status}
	r.Name = fmt.Sprintf("%s:%d", r.TaskDefinition.Family, td.Revision)
	for i, c := range td.ContainerDefinitions {
		if i == workload.MaxContainers {
			r.Problem = fmt.Sprintf("only the first %d of %d containers were checked", workload.MaxContainers, len(td.ContainerDefinitions))
			break
		}
		ct := workload.Container{Name: c.Name, Secrets: len(c.Secrets)}
		for j, kv := range c.Environment {
			if j == workload.MaxEnvPerContainer {
				break
			}
			ct.Env = append(ct.Env, credscan.Var{Name: kv.Name, Value: kv.Value})
		}
		r.TaskDefinition.Containers = append(r.TaskDefinition.Containers, ct)
	}
	r.Tags = td.Tags
	return r, nil
}

// taskDefinitionStub is a task definition known only by its ARN.
func (o *Observer) taskDefinitionStub(id string) *workload.Resource {
	r := &workload.Resource{Type: workload.TypeTaskDefinition, ARN: id, ID: id, Name: id, AccountID: o.AccountID, Region: o.Region, Partition: o.partition()}
	if a, err := arn.Parse(id); err == nil {
		r.AccountID, r.Region, r.Partition = a.AccountID, a.Region, a.Partition
		r.Name = strings.TrimPrefix(a.Resource, "task-definition/")
	}
	return r
}

// isECSMissing reports ECS's ClientException for a task definition that
// does not exist ("Unable to describe task definition").
func isECSMissing(err error) bool {
	return awsenv.ErrorCode(err) == "ClientException" && strings.Contains(strings.ToLower(err.Error()), "unable to describe task definition")
}

// describeErr says what failed for a Problem: the missing permission when
// access was denied, else the error.
func describeErr(err error) string {
	if msg, ok := awsenv.MissingPermission(err); ok {
		return msg
	}
	s := err.Error()
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
