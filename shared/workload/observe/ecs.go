package observe

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretguard/secretguard/shared/awsenv"
)

// ecsClient is ECSAPI over signed JSON requests.
type ecsClient struct{ c *awsenv.JSONClient }

// NewECS returns the ECSAPI of cfg's account and Region.
func NewECS(cfg aws.Config) ECSAPI {
	return ecsClient{awsenv.NewJSONClient(cfg, "ecs", "AmazonEC2ContainerServiceV20141113")}
}

// page is a list answer of ECS.
type page struct {
	ARNs      []string `json:"taskDefinitionArns"`
	Clusters  []string `json:"clusterArns"`
	Services  []string `json:"serviceArns"`
	NextToken string   `json:"nextToken"`
}

func (e ecsClient) list(ctx context.Context, op string, in map[string]any, nextToken string) (page, error) {
	if nextToken != "" {
		in["nextToken"] = nextToken
	}
	var out page
	err := e.c.Call(ctx, op, in, &out)
	return out, err
}

func (e ecsClient) ListTaskDefinitions(ctx context.Context, nextToken string) ([]string, string, error) {
	p, err := e.list(ctx, "ListTaskDefinitions", map[string]any{"status": "ACTIVE"}, nextToken)
	return p.ARNs, p.NextToken, err
}

func (e ecsClient) ListClusters(ctx context.Context, nextToken string) ([]string, string, error) {
	p, err := e.list(ctx, "ListClusters", map[string]any{}, nextToken)
	return p.Clusters, p.NextToken, err
}

func (e ecsClient) ListServices(ctx context.Context, cluster, nextToken string) ([]string, string, error) {
	p, err := e.list(ctx, "ListServices", map[string]any{"cluster": cluster}, nextToken)
	return p.Services, p.NextToken, err
}

func (e ecsClient) DescribeTaskDefinition(ctx context.Context, id string) (*ECSTaskDefinition, error) {
	var out struct {
		TaskDefinition *ECSTaskDefinition `json:"taskDefinition"`
		Tags           []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"tags"`
	}
	if err := e.c.Call(ctx, "DescribeTaskDefinition", map[string]any{"taskDefinition": id, "include": []string{"TAGS"}}, &out); err != nil {
		return nil, err
	}
	if out.TaskDefinition != nil && len(out.Tags) > 0 {
		out.TaskDefinition.Tags = make(map[string]string, len(out.Tags))
		for _, t := range out.Tags {
			out.TaskDefinition.Tags[t.Key] = t.Value
		}
	}
	return out.TaskDefinition, nil
}

func (e ecsClient) DescribeServices(ctx context.Context, cluster string, services []string) ([]ECSService, error) {
	var out struct {
		Services []ECSService `json:"services"`
	}
	err := e.c.Call(ctx, "DescribeServices", map[string]any{"cluster": cluster, "services": services}, &out)
	return out.Services, err
}
