// Package revoke is secretguard's emergency response for a Secrets Manager
// secret whose credential may have leaked: cut off access, replace the
// credential, and hand evidence to the investigation, from a runbook, in
// minutes. functions/revoker and `secretguard revoke` both call Runner.Run.
//
// # Request
//
// A Request names the secrets (IDs or ARNs, or a tag filter), the reason, the
// incident ID and options (dry-run, revokeSessions, keepDeny, a break-glass
// role, the CloudTrail look-back, the rotation timeout). DecodeRequest is
// strict (unknown fields are errors) and Validate checks the shape. Run then
// validates the whole request against AWS before its first write: every
// secret exists, is in the caller's account and Region, is not a replica or
// scheduled for deletion; at most MaxSecrets (default 20) secrets; every
// break-glass role exists (iam GetRole); no other invocation holds the
// incident's state. Any problem is an error wrapping ErrInvalidRequest and
// nothing has changed.
//
// # Steps
//
// Each secret goes through six steps, in order; each step's time, calls
// (operation and parameters) and outcome are recorded in the Report:
//
//  1. evidence: DescribeSecret, GetResourcePolicy, ListSecretVersionIds and,
//     where CloudTrail LookupEvents answers, the distinct principals that
//     called GetSecretValue on the secret in the look-back window (one shared,
//     bounded lookup per invocation). Where it does not answer (moto, missing
//     permission) the evidence says "unavailable" and the step goes on.
//  2. deny: a Deny of secretsmanager:* for every principal except the
//     rotation function's role, the break-glass roles and the revoker itself
//     (ArnNotLike aws:PrincipalArn) is added to the resource policy, keeping
//     the original statements; the previous policy is saved in the state item
//     before PutResourcePolicy (BlockPublicPolicy true). AWS service
//     principals acting as themselves are not denied (Bool
//     aws:PrincipalIsAWSService false): a leaked credential is never one,
//     and managed rotation must keep working.
//  3. rotate: RotateSecret (RotateImmediately, a ClientRequestToken derived
//     from incident, secret and attempt, so a resumed call is idempotent and
//     the new version is known), then DescribeSecret polling until AWSCURRENT
//     is on the new version and no other version holds AWSPENDING. Twice for
//     alternating-users secrets (the baseline's StrategyFor). Secrets owned by
//     RDS rotate through ModifyDBInstance / ModifyDBCluster with
//     RotateMasterUserPassword and ApplyImmediately (the tags
//     aws:rds:primaryDBInstanceArn / aws:rds:primaryDBClusterArn name the
//     database), once: the master user is a single user. A rotation already
//     in progress is waited for, never restarted. A secret without rotation
//     cannot be rotated: the Deny stays and the report says a human must
//     replace the credential.
//  4. sessions (revokeSessions only): the roles that read the secret get the
//     console's "revoke active sessions" inline policy AWSRevokeOlderSessions
//     (Deny * when aws:TokenIssueTime is before now). Never for the
//     break-glass roles, the revoker's own role or the rotation function's
//     role (it reads the secret to rotate it), nor for service-linked roles
//     or roles in other accounts (reported for a human).
//  5. lift: when the credential was replaced and not keepDeny, the saved
//     policy is restored exactly (DeleteResourcePolicy when there was none).
//     If the policy was changed by someone else meanwhile, only the Deny
//     statement is removed. If rotation failed the Deny stays (fail closed)
//     and the report's first line says so.
//  6. emit: a "Secret Revoked" event (source secretguard, severity CRITICAL)
//     on the bus EventBus carries the secret's report for the notifier.
//
// # State and resumption
//
// One DynamoDB item per incident and secret (pk "revoke#<incident>", sk the
// secret ARN, numeric ttl) holds the step progress and the report. It is
// written after every step with a condition on its revision and on the lease
// the invocation took, so two invocations never work on one secret at once.
// Invoking again with the same incident ID continues after the last completed
// step: a step that is done is never done again, a rotation that was started
// is waited for, a failed rotation (or one that could not run) is tried again,
// and the event is emitted again only when the outcome changed. The options
// of the latest invocation (keepDeny, revokeSessions, timeouts) govern the
// steps it runs, so invoking again without keepDeny lifts a kept Deny.
//
// # Dry run
//
// With dryRun every read is made and every write is recorded as the call that
// would be made, with its parameters, and nothing changes: no policy, no
// rotation, no role policy, no event and no state item. Calls on the state
// table are bookkeeping and are not listed in reports.
//
// No function here calls GetSecretValue, and reports, logs and events carry
// configuration only, never a secret value. IAMActions lists what the revoker
// needs; each step file declares the actions it calls.
package revoke
