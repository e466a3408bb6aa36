package checks

import (
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/kmskey"
)

// cmk: the secret is encrypted with a customer managed key the baseline
// allows in its Region.
type cmk struct{}

func (cmk) ID() string { return baseline.CheckCMK }
func (cmk) Doc() string {
	return "The secret is encrypted with a customer managed KMS key, one the baseline allows in its Region."
}
func (cmk) Needs() Needs { return Needs{} }

// AppliesToReplicas is true: each replica has its own key.
func (cmk) AppliesToReplicas() bool { return true }

func (c cmk) Evaluate(in Input) Finding {
	s, b, id := in.Secret, in.Baseline, c.ID()
	if kmskey.IsAWSManaged(s.KMSKeyID) {
		target := "a customer managed key (the baseline names no default key for " + s.Region + ")"
		if def := b.DefaultKey(s.Partition, s.Region, s.AccountID); def != "" {
			target = def
		}
		if s.IsReplica() {
			// A replica's key cannot be changed in place, so no remedy.
			return finding(id, NonCompliant, "", "Replica encrypted with the AWS managed key aws/secretsmanager: remove it from the primary in %s and re-replicate with %s.",
				s.PrimaryRegion, target)
		}
		return finding(id, NonCompliant, baseline.RemedyUseCMK, "Encrypted with the AWS managed key aws/secretsmanager; re-encrypt with %s.", target)
	}
	allowed := kmskey.AllowedKeys(b, s, s.Region)
	if allowed == nil {
		return finding(id, Compliant, "", "Encrypted with customer managed key %s.", s.KMSKeyID)
	}
	if kmskey.Allowed(s.KMSKeyID, allowed) {
		return finding(id, Compliant, "", "Encrypted with %s, an allowed key in %s.", s.KMSKeyID, s.Region)
	}
	// No remedy: secretguard never moves a secret between two customer
	// managed keys; someone may depend on the current one.
	return finding(id, NonCompliant, "", "Key %s is not allowed in %s (allowed: %s); a person must re-encrypt it with an allowed key.",
		s.KMSKeyID, s.Region, brief(allowed, 2))
}
