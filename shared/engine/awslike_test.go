package engine_test

import (
	"context"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/resourcepolicy"
	"github.com/secretguard/secretguard/shared/secret"
)

// awsLike is moto's Secrets Manager with the three behaviours moto 5.2
// gets wrong put right, at the engine's SecretsAPI interface:
//
//   - BlockPublicPolicy: PutResourcePolicy with it refuses a public policy
//     (PublicPolicyException), as AWS does; moto accepts anything.
//   - rotation stages: RotateSecret with RotateImmediately false leaves no
//     AWSPENDING behind (AWS runs only the testSecret step); moto leaves
//     one on a new version, which would make the next RotateSecret fail.
//   - replica keys: DescribeSecret reports each replica on the KmsKeyId
//     ReplicateSecretToRegions was sent; moto reports aws/secretsmanager.
//
// Everything else is moto's.
type awsLike struct {
	org         string
	mu          sync.Mutex
	replicaKeys map[string]map[string]string // secret ARN → Region → key
}

func newAWSLike(org string) *awsLike {
	return &awsLike{org: org, replicaKeys: map[string]map[string]string{}}
}

type awsLikeClient struct {
	*secretsmanager.Client
	a *awsLike
}

func (a *awsLike) wrap(c *secretsmanager.Client) *awsLikeClient {
	return &awsLikeClient{Client: c, a: a}
}

func (c *awsLikeClient) PutResourcePolicy(ctx context.Context, in *secretsmanager.PutResourcePolicyInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutResourcePolicyOutput, error) {
	if aws.ToBool(in.BlockPublicPolicy) {
		if p, err := resourcepolicy.Parse(aws.ToString(in.ResourcePolicy)); err == nil {
			if w, ok := resourcepolicy.Worst(resourcepolicy.Classify(p, resourcepolicy.Context{AccountID: account, OrganizationID: c.a.org})); ok && w.Exposure == resourcepolicy.Public {
				return nil, &smithy.GenericAPIError{Code: "PublicPolicyException", Message: "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret."}
			}
		}
	}
	return c.Client.PutResourcePolicy(ctx, in, opts...)
}

func (c *awsLikeClient) RotateSecret(ctx context.Context, in *secretsmanager.RotateSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error) {
	out, err := c.Client.RotateSecret(ctx, in, opts...)
	if err != nil || in.RotateImmediately == nil || *in.RotateImmediately {
		return out, err
	}
	d, err := c.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: in.SecretId})
	if err != nil {
		return out, err
	}
	for v, stages := range d.VersionIdsToStages {
		if slices.Contains(stages, secret.StagePending) && !slices.Contains(stages, secret.StageCurrent) {
			if _, err := c.Client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: in.SecretId,
				VersionStage: aws.String(secret.StagePending), RemoveFromVersionId: aws.String(v)}); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

func (c *awsLikeClient) ReplicateSecretToRegions(ctx context.Context, in *secretsmanager.ReplicateSecretToRegionsInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.ReplicateSecretToRegionsOutput, error) {
	out, err := c.Client.ReplicateSecretToRegions(ctx, in, opts...)
	if err == nil {
		c.a.mu.Lock()
		keys := c.a.replicaKeys[aws.ToString(out.ARN)]
		if keys == nil {
			keys = map[string]string{}
			c.a.replicaKeys[aws.ToString(out.ARN)] = keys
		}
		for _, r := range in.AddReplicaRegions {
			keys[aws.ToString(r.Region)] = aws.ToString(r.KmsKeyId)
		}
		c.a.mu.Unlock()
	}
	return out, err
}

func (c *awsLikeClient) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := c.Client.DescribeSecret(ctx, in, opts...)
	if err != nil {
		return out, err
	}
	c.a.mu.Lock()
	defer c.a.mu.Unlock()
	for i, r := range out.ReplicationStatus {
		if k, ok := c.a.replicaKeys[aws.ToString(out.ARN)][aws.ToString(r.Region)]; ok {
			out.ReplicationStatus[i].KmsKeyId = aws.String(k)
		}
	}
	return out, nil
}
