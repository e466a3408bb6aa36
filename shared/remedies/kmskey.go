package remedies

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/kmskey"
	"github.com/secretguard/secretguard/shared/secret"
)

// keyReadActions are the KMS reads that verify a target key.
var keyReadActions = []string{"kms:DescribeKey", "kms:GetKeyPolicy"}

// targetKey is a customer managed key verified for a secret's account and
// Region.
type targetKey struct {
	ARN string // the resolved key ARN
	// Ref is what to send as KmsKeyId: the key ARN, or the alias ARN when
	// the baseline's allowedKeys name the alias but not the key (so the
	// cmk/replication checks, which compare what Secrets Manager reports
	// without resolving aliases, accept the result).
	Ref string
}

// verifyKey resolves the baseline's key reference in region with
// DescribeKey, requires a symmetric, enabled, customer managed key in that
// Region, reads its key policy and requires it to let the account's
// principals use the key through Secrets Manager (keyPolicyProblem).
// Anything that is not so is a NeedsHuman error; a failed read is a plain
// error.
func verifyKey(ctx context.Context, k KMSAPI, b *baseline.Baseline, s *secret.Snapshot, ref, region string) (targetKey, error) {
	if k == nil {
		return targetKey{}, fmt.Errorf("no KMS client for %s", region)
	}
	out, err := k.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)})
	switch {
	case awsenv.IsNotFound(err):
		return targetKey{}, NeedsHuman(fmt.Sprintf("the baseline's default key %s for %s does not exist: fix kms.defaultKeys", ref, region))
	case err != nil:
		return targetKey{}, fmt.Errorf("DescribeKey %s: %w", ref, err)
	case out.KeyMetadata == nil || out.KeyMetadata.Arn == nil:
		return targetKey{}, fmt.Errorf("DescribeKey %s: no key metadata", ref)
	}
	md := out.KeyMetadata
	keyARN := aws.ToString(md.Arn)
	if p := keyProblem(md, region); p != "" {
		return targetKey{}, NeedsHuman(fmt.Sprintf("the baseline's default key %s for %s (%s) %s", ref, region, keyARN, p))
	}
	pol, err := k.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default")})
	if err != nil {
		return targetKey{}, fmt.Errorf("GetKeyPolicy %s: %w", keyARN, err)
	}
	if p := keyPolicyProblem(aws.ToString(pol.Policy), s.Partition, region, s.AccountID); p != "" {
		return targetKey{}, NeedsHuman(fmt.Sprintf("the key policy of %s does not let account %s use it through Secrets Manager in %s: %s",
			keyARN, s.AccountID, region, p))
	}
	t := targetKey{ARN: keyARN, Ref: keyARN}
	allowed := kmskey.AllowedKeys(b, s, region)
	if allowed == nil || kmskey.Allowed(keyARN, allowed) {
		return t, nil
	}
	if _, alias := kmskey.Split(ref); alias != "" {
		a, _ := arn.Parse(keyARN)
		aliasARN := arn.ARN{Partition: a.Partition, Service: "kms", Region: a.Region, AccountID: a.AccountID, Resource: alias}.String()
		if kmskey.Allowed(aliasARN, allowed) {
			t.Ref = aliasARN
			return t, nil
		}
	}
	return targetKey{}, NeedsHuman(fmt.Sprintf("the baseline's default key %s for %s (%s) is not among its allowed keys there (%s): fix kms.defaultKeys or kms.allowedKeys",
		ref, region, keyARN, strings.Join(allowed, ", ")))
}

// keyProblem says why a key cannot encrypt secrets in region, or "".
func keyProblem(md *kmstypes.KeyMetadata, region string) string {
	a, err := arn.Parse(aws.ToString(md.Arn))
	switch {
	case err != nil:
		return fmt.Sprintf("has an unreadable ARN (%v)", err)
	case a.Region != region:
		return fmt.Sprintf("is in %s, not %s: Secrets Manager uses keys of the secret's Region", a.Region, region)
	case md.KeyManager != kmstypes.KeyManagerTypeCustomer:
		return "is not a customer managed key"
	case md.KeyState != kmstypes.KeyStateEnabled:
		return fmt.Sprintf("is %s, not Enabled", md.KeyState)
	case md.KeyUsage != "" && md.KeyUsage != kmstypes.KeyUsageTypeEncryptDecrypt:
		return fmt.Sprintf("has usage %s: Secrets Manager needs a symmetric encryption key", md.KeyUsage)
	case md.KeySpec != "" && md.KeySpec != kmstypes.KeySpecSymmetricDefault:
		return fmt.Sprintf("has spec %s: Secrets Manager supports only SYMMETRIC_DEFAULT keys", md.KeySpec)
	}
	return ""
}
