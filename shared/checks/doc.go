// Package checks holds secretguard's checks: one file per check, each a pure
// function of a secret.Snapshot, the baseline and the time of evaluation,
// returning a Finding a person can act on.
//
// The registry is explicit: All lists every check in a fixed order, and the
// check IDs are a contract — each becomes the AWS Config rule
// secretguard-<id>. Evaluate applies what every check shares: secrets
// scheduled for deletion are not applicable, replicas are checked only for
// what applies to replicas, and a valid waiver tag turns a check
// NOT_APPLICABLE with its reason and expiry in the annotation; a waiver that
// is expired, malformed or too far ahead is ignored and the annotation says so.
//
// MaxInterval turns rotation rules (rate, cron in the EventBridge dialect, or
// AutomaticallyAfterDays) into the longest gap between two rotations, for the
// checks and the remedies. ShouldReplicate tells the Observer which secrets
// need their replication status read.
package checks
