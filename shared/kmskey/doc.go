// Package kmskey compares KMS key references the way secretguard's checks
// do (cmk, replication), so that the remedies that move a secret or a
// replica to a customer managed key pick a key those checks accept.
//
// A key reference is what Secrets Manager reports or a baseline names: a
// key ARN, a key ID (UUID or mrk-…), an alias ARN or an alias name
// ("alias/…"). Aliases are never resolved: an alias matches only the same
// alias, a key only the same key.
package kmskey
