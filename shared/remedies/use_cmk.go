package remedies

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/kmskey"
)

// useCMK moves a secret from the AWS managed key aws/secretsmanager to the
// baseline's customer managed key for its Region.
type useCMK struct{}

func (useCMK) ID() string { return baseline.RemedyUseCMK }
func (useCMK) Doc() string {
	return "Re-encrypts a secret from aws/secretsmanager with the Region's baseline key, after checking that the key policy lets the account use it through Secrets Manager."
}
func (useCMK) Fixes() []string { return []string{baseline.CheckCMK} }

// IAMActions: UpdateSecret with a new key needs kms:GenerateDataKey and
// kms:Encrypt on it (without Encrypt, Secrets Manager does not re-encrypt
// the existing versions) and kms:Decrypt to read the versions it
// re-encrypts; DescribeKey and GetKeyPolicy verify the key first.
func (useCMK) IAMActions() []string {
	return append([]string{"secretsmanager:UpdateSecret", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, keyReadActions...)
}

// Plan makes one UpdateSecret{SecretId, KmsKeyId} call. It never carries a
// value: Secrets Manager re-encrypts AWSCURRENT, AWSPENDING and AWSPREVIOUS
// with the new key itself and the old key keeps decrypting older versions.
// It moves only from the AWS managed key, only to the baseline's default
// key for the Region (an alias is resolved with DescribeKey), and only when
// that key's policy lets the account's principals use it through Secrets
// Manager (kms:GetKeyPolicy "default"); anything else is NeedsHuman. The
// plan is empty on an allowed customer managed key. There is no undo:
// moving back to the AWS managed key would weaken the secret.
func (r useCMK) Plan(ctx context.Context, c Clients, in Input) (Plan, error) {
	if err := checkInput(r.ID(), in); err != nil {
		return Plan{}, err
	}
	s, b := in.Secret, in.Baseline
	p := newPlan(r.ID(), s)
	if !kmskey.IsAWSManaged(s.KMSKeyID) {
		if allowed := kmskey.AllowedKeys(b, s, s.Region); allowed == nil || kmskey.Allowed(s.KMSKeyID, allowed) {
			return p, nil
		}
		return p, NeedsHuman(fmt.Sprintf("the secret is on customer managed key %s, which the baseline does not allow in %s; secretguard never moves a secret between two customer managed keys (someone may depend on this one)",
			s.KMSKeyID, s.Region))
	}
	if s.IsReplica() {
		return p, NeedsHuman(fmt.Sprintf("a replica's key cannot be changed in place: remove the replica from the primary in %s and replicate it again with the Region's key", s.PrimaryRegion))
	}
	ref := b.DefaultKey(s.Partition, s.Region, s.AccountID)
	if ref == "" {
		return p, NeedsHuman(fmt.Sprintf("the baseline names no default key for %s (kms.defaultKeys): choose the customer managed key by hand", s.Region))
	}
	if c.KMS == nil {
		return p, fmt.Errorf("%s %s: no KMS client", r.ID(), s.ARN)
	}
	key, err := verifyKey(ctx, c.KMS, b, s, ref, s.Region)
	if err != nil {
		return p, err
	}
	p.Calls = []Call{updateCall(&secretsmanager.UpdateSecretInput{
		SecretId: aws.String(s.ARN),
		KmsKeyId: aws.String(key.Ref),
	})}
	after := clone(s)
	after.KMSKeyID = key.Ref
	p.After = StateOf(after)
	p.Summary = fmt.Sprintf("re-encrypt with customer managed key %s instead of aws/secretsmanager", key.Ref)
	if key.Ref != key.ARN {
		p.Summary += " (alias of " + key.ARN + ")"
	}
	return p, nil
}
