package awsenv

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ParameterReader reads one SSM parameter (GetParameter, WithDecryption)
// with a small signed JSON request (JSONClient) instead of the SDK's ssm
// package: that package's generated schemas cost about 10 ms of package
// init, which every Lambda that loads its baseline from SSM would pay on
// each cold start. Errors carry the AWS error code (ParameterNotFound,
// AccessDeniedException, ...) as a smithy.APIError, so ErrorCode,
// IsNotFound and MissingPermission work.
//
// IAM: ssm:GetParameter (and kms:Decrypt for a SecureString on a customer
// managed key).
type ParameterReader struct{ c *JSONClient }

// NewParameterReader returns a reader in cfg's Region and credentials.
func NewParameterReader(cfg aws.Config) *ParameterReader {
	return &ParameterReader{c: NewJSONClient(cfg, "ssm", "AmazonSSM")}
}

// DNSSuffix returns the DNS suffix of a partition's service endpoints (as in
// https://ssm.<region>.<suffix> and kms:ViaService values).
func DNSSuffix(partition string) string {
	switch partition {
	case "aws-cn":
		return "amazonaws.com.cn"
	case "aws-iso":
		return "c2s.ic.gov"
	case "aws-iso-b":
		return "sc2s.sgov.gov"
	case "aws-iso-e":
		return "cloud.adc-e.uk"
	case "aws-iso-f":
		return "csp.hci.ic.gov"
	case "aws-eusc":
		return "amazonaws.eu"
	}
	return "amazonaws.com"
}

// ReadParameter returns the decrypted value and type (String, SecureString,
// StringList) of a parameter, by name or ARN.
func (r *ParameterReader) ReadParameter(ctx context.Context, name string) (value, typ string, err error) {
	var out struct {
		Parameter struct{ Value, Type string }
	}
	if err := r.c.Call(ctx, "GetParameter", map[string]any{"Name": name, "WithDecryption": true}, &out); err != nil {
		return "", "", err
	}
	return out.Parameter.Value, out.Parameter.Type, nil
}
