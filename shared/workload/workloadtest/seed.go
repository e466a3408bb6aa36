// Package workloadtest seeds workloads and account settings into a local
// AWS (moto) for the tests of the workload checks: functions with
// environments, task definitions, parameters, VPCs and endpoints, trails
// and ECS services. It is for tests only.
package workloadtest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretguard/secretguard/shared/testutil/awsfix"
)

// Seeder creates resources in one account and Region of a local AWS.
type Seeder struct {
	T   testing.TB
	Cfg aws.Config
	URL string // the local AWS's base URL, for S3 buckets
}

// New returns a Seeder for cfg (which must point at the local AWS at
// endpoint).
func New(t testing.TB, cfg aws.Config, endpoint string) *Seeder {
	return &Seeder{T: t, Cfg: cfg, URL: strings.TrimRight(endpoint, "/")}
}

// Context is a test's context for calls to the local AWS: two minutes,
// cancelled when the test ends.
func Context(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func (s *Seeder) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

func (s *Seeder) check(what string, err error) {
	s.T.Helper()
	if err != nil {
		s.T.Fatalf("seed %s: %v", what, err)
	}
}

// Function creates a Lambda function with env (nil: no environment), in
// the given subnets when any, with tags; it returns the function's ARN.
// The function is awsfix's do-nothing function, then configured.
func (s *Seeder) Function(name string, env map[string]string, subnets, groups []string, tags map[string]string) string {
	s.T.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	arn := awsfix.RotationFunction(s.T, ctx, s.Cfg, name)
	c := lambda.NewFromConfig(s.Cfg)
	in := &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(name)}
	if env != nil {
		in.Environment = &lambdatypes.Environment{Variables: env}
	}
	if len(subnets) > 0 {
		in.VpcConfig = &lambdatypes.VpcConfig{SubnetIds: subnets, SecurityGroupIds: groups}
	}
	if in.Environment != nil || in.VpcConfig != nil {
		_, err := c.UpdateFunctionConfiguration(ctx, in)
		s.check("UpdateFunctionConfiguration "+name, err)
	}
	if len(tags) > 0 {
		_, err := c.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: tags})
		s.check("TagResource "+name, err)
	}
	return arn
}

// Container is a container definition to seed.
type Container struct {
	Name    string
	Env     map[string]string
	Secrets map[string]string // name -> valueFrom
}

// TaskDefinition registers a task definition revision and returns its ARN.
func (s *Seeder) TaskDefinition(family string, containers []Container, tags map[string]string) string {
	s.T.Helper()
	in := &ecs.RegisterTaskDefinitionInput{Family: aws.String(family)}
	for _, c := range containers {
		cd := ecstypes.ContainerDefinition{Name: aws.String(c.Name), Image: aws.String("public.ecr.aws/docker/library/busybox:latest"), Memory: aws.Int32(128)}
		for k, v := range c.Env {
			cd.Environment = append(cd.Environment, ecstypes.KeyValuePair{Name: aws.String(k), Value: aws.String(v)})
		}
		for k, v := range c.Secrets {
			cd.Secrets = append(cd.Secrets, ecstypes.Secret{Name: aws.String(k), ValueFrom: aws.String(v)})
		}
		in.ContainerDefinitions = append(in.ContainerDefinitions, cd)
	}
	for k, v := range tags {
		in.Tags = append(in.Tags, ecstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := ecs.NewFromConfig(s.Cfg).RegisterTaskDefinition(ctx, in)
	s.check("RegisterTaskDefinition "+family, err)
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

// Parameter puts an SSM parameter of type typ (String, StringList,
// SecureString).
func (s *Seeder) Parameter(name, typ, value string) {
	s.T.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	_, err := ssm.NewFromConfig(s.Cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Type: ssmtypes.ParameterType(typ), Value: aws.String(value)})
	s.check("PutParameter "+name, err)
}

// Network is a VPC with subnets and a security group.
type Network struct {
	VPC     string
	Subnets []string
	Group   string
}

// VPC creates a VPC with cidr (e.g. 10.1.0.0/16), two /24 subnets and a
// security group.
func (s *Seeder) VPC(cidr string) Network {
	s.T.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	c := ec2.NewFromConfig(s.Cfg)
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	s.check("CreateVpc", err)
	n := Network{VPC: aws.ToString(v.Vpc.VpcId)}
	prefix := cidr[:strings.LastIndex(cidr[:strings.Index(cidr, "/")], ".")]
	prefix = prefix[:strings.LastIndex(prefix, ".")]
	for i, az := range []string{"a", "b"} {
		sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String(fmt.Sprintf("%s.%d.0/24", prefix, i+1)),
			AvailabilityZone: aws.String(s.Cfg.Region + az)})
		s.check("CreateSubnet", err)
		n.Subnets = append(n.Subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	g, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("wl-" + n.VPC), Description: aws.String("workload"), VpcId: v.Vpc.VpcId})
	s.check("CreateSecurityGroup", err)
	n.Group = aws.ToString(g.GroupId)
	return n
}

// Endpoint creates an interface endpoint for service in the network.
func (s *Seeder) Endpoint(n Network, service string, privateDNS bool) string {
	s.T.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := ec2.NewFromConfig(s.Cfg).CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(n.VPC), ServiceName: aws.String(service), VpcEndpointType: ec2types.VpcEndpointTypeInterface,
		SubnetIds: n.Subnets, SecurityGroupIds: []string{n.Group}, PrivateDnsEnabled: aws.Bool(privateDNS),
	})
	s.check("CreateVpcEndpoint", err)
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

// Service creates an ECS cluster (once per name) and a Fargate service in
// the network's subnets running taskDef.
func (s *Seeder) Service(cluster, name, taskDef string, n Network) {
	s.T.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	c := ecs.NewFromConfig(s.Cfg)
	_, err := c.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(cluster)})
	s.check("CreateCluster", err)
	_, err = c.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(cluster), ServiceName: aws.String(name), TaskDefinition: aws.String(taskDef), DesiredCount: aws.Int32(0),
		LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{
			Subnets: n.Subnets, SecurityGroups: []string{n.Group}}},
	})
	s.check("CreateService", err)
}

// Trail is a trail to seed.
type Trail struct {
	Name        string
	MultiRegion bool
	Logging     bool
	Selectors   []cttypes.EventSelector
	Advanced    []cttypes.AdvancedEventSelector
}

// Trail creates an S3 bucket and a trail writing to it, starts logging
// when asked and puts the selectors given; it returns the trail's ARN.
func (s *Seeder) Trail(t Trail) string {
	s.T.Helper()
	bucket := "trail-" + strings.ToLower(t.Name)
	req, err := http.NewRequest(http.MethodPut, s.URL+"/"+bucket, nil)
	s.check("bucket request", err)
	resp, err := http.DefaultClient.Do(req)
	s.check("CreateBucket", err)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		s.T.Fatalf("seed CreateBucket %s: %s", bucket, resp.Status)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	c := cloudtrail.NewFromConfig(s.Cfg)
	out, err := c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String(t.Name), S3BucketName: aws.String(bucket), IsMultiRegionTrail: aws.Bool(t.MultiRegion)})
	s.check("CreateTrail", err)
	if t.Logging {
		_, err = c.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(t.Name)})
		s.check("StartLogging", err)
	}
	if t.Selectors != nil || t.Advanced != nil {
		_, err = c.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String(t.Name), EventSelectors: t.Selectors, AdvancedEventSelectors: t.Advanced})
		s.check("PutEventSelectors", err)
	}
	return aws.ToString(out.TrailARN)
}
