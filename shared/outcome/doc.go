// Package outcome defines the events secretguard emits on EventBridge
// (source "secretguard") when it has decided about a secret: remediated,
// needs attention, remediation failed, revoked. The remediator and the
// revoker produce them; the notifier turns them into tickets. The shapes are
// a contract for whoever subscribes, so fields are only ever added.
//
// An event never carries a secret value: State holds configuration (rotation
// settings, key, tags, policy exposure), never SecretString or SecretBinary.
package outcome
