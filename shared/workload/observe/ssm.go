package observe

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretguard/secretguard/shared/awsenv"
)

// secureString is the SSM type whose values the Observer never reads.
const secureString = "SecureString"

// ssmClient is SSMAPI over signed JSON requests.
type ssmClient struct{ c *awsenv.JSONClient }

// NewSSM returns the SSMAPI of cfg's account and Region.
func NewSSM(cfg aws.Config) SSMAPI { return ssmClient{awsenv.NewJSONClient(cfg, "ssm", "AmazonSSM")} }

// DescribeParameters returns one page of at most 50 parameters (metadata
// only) and the next token ("" at the end).
func (s ssmClient) DescribeParameters(ctx context.Context, nextToken string) ([]SSMParameter, string, error) {
	in := map[string]any{"MaxResults": 50}
	if nextToken != "" {
		in["NextToken"] = nextToken
	}
	var out struct {
		Parameters []SSMParameter `json:"Parameters"`
		NextToken  string         `json:"NextToken"`
	}
	err := s.c.Call(ctx, "DescribeParameters", in, &out)
	return out.Parameters, out.NextToken, err
}

// GetParameters returns the named parameters (at most 10) without
// decryption; names that do not exist are left out.
func (s ssmClient) GetParameters(ctx context.Context, names []string) ([]SSMParameter, error) {
	var out struct {
		Parameters []SSMParameter `json:"Parameters"`
	}
	err := s.c.Call(ctx, "GetParameters", map[string]any{"Names": names, "WithDecryption": false}, &out)
	return out.Parameters, err
}
