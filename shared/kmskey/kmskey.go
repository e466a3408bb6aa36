package kmskey

import (
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// IsAWSManaged reports whether a secret's key is the AWS managed key
// aws/secretsmanager (reported as no key at all, or by its alias).
func IsAWSManaged(key string) bool {
	return key == "" || strings.HasSuffix(key, secret.DefaultKeyAlias)
}

// Matches reports whether a key as Secrets Manager reports it (key ARN,
// key ID, alias ARN or alias name) is the allowed key a. Two ARNs must be
// equal; otherwise the key IDs (after "key/") or the aliases ("alias/...")
// are compared, so a bare ID or alias in the baseline matches the ARN.
func Matches(key, a string) bool {
	if key == a {
		return true
	}
	if strings.HasPrefix(key, "arn:") && strings.HasPrefix(a, "arn:") {
		return false
	}
	kid, kalias := Split(key)
	aid, aalias := Split(a)
	return (kid != "" && kid == aid) || (kalias != "" && kalias == aalias)
}

// Split splits a key reference into its key ID or its alias
// ("alias/<name>"); both are empty for an ARN that names neither.
func Split(ref string) (id, alias string) {
	if i := strings.Index(ref, "alias/"); i >= 0 && (i == 0 || ref[i-1] == ':') {
		return "", ref[i:]
	}
	if i := strings.LastIndex(ref, ":key/"); i >= 0 {
		return ref[i+len(":key/"):], ""
	}
	if strings.HasPrefix(ref, "key/") {
		return ref[len("key/"):], ""
	}
	if strings.Contains(ref, ":") {
		return "", ""
	}
	return ref, ""
}

// AllowedKeys returns the keys the baseline allows in a Region, with
// placeholders expanded for the secret's partition and account; nil means
// any customer managed key.
func AllowedKeys(b *baseline.Baseline, s *secret.Snapshot, region string) []string {
	keys := b.AllowedKeys(region)
	if keys == nil {
		return nil
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = baseline.Expand(k, s.Partition, region, s.AccountID)
	}
	return out
}

// Allowed reports whether key matches one of the allowed keys.
func Allowed(key string, allowed []string) bool {
	for _, a := range allowed {
		if Matches(key, a) {
			return true
		}
	}
	return false
}
