// Package remedies holds secretguard's remedies: one file per remedy, each a
// small type that fixes the findings of some checks (Fixes), declares every
// IAM action it uses (IAMActions) and plans before it acts.
//
// # Plan, then Apply
//
// Remedy.Plan is level-based and idempotent: from a freshly observed
// secret.Snapshot it computes the exact SDK calls that make the secret
// compliant for that remedy — an empty Plan on a secret that already is. Plan
// may read (use-cmk and replicate read KMS keys) but never writes. Each Call
// holds the SDK input struct itself, so a dry run shows exactly what would be
// sent (Params, Plan.OutcomeCalls: the struct's JSON without unset fields) and
// Apply sends that very struct. Apply sends calls in order, stops at the first
// error and reports each call it sent with outcome "ok" or the error.
//
// A Plan also carries Before/After configuration summaries (StateOf: never a
// value; no remedy reads or writes one), a one-line Summary, and, for the
// remedies that can be reverted without weakening the secret (fix-schedule,
// add-tags, tighten-policy), the Undo calls that restore the before-state.
//
// # Errors: a person, a failure, or both
//
// When a safe fix is impossible, Plan returns an error wrapping ErrNeedsHuman
// (built with NeedsHuman, reason via Reason) and the engine tickets it; a
// remedy never guesses. A Plan that is not empty together with an
// ErrNeedsHuman error means "apply this part and ticket the rest": add-tags
// adds the tags it has values for and names the keys it could not fill,
// replicate replicates to the Regions whose key it verified and names the
// others, tighten-policy rewrites what it can but never removes a break-glass
// grant. Any other error is a failure to plan (a read failed, the snapshot
// lacks the policy or replication status), with an empty plan.
//
// # The remedies
//
//   - enable-rotation (rotation-enabled, rotation-function): RotateSecret with
//     the class's rotation function, the existing schedule when it fits the
//     class (else AutomaticallyAfterDays = maxRotationDays) and
//     RotateImmediately false unless the class says so. Never for secrets
//     with an OwningService or a managed external Type, a replica, a stuck
//     AWSPENDING, or a class with no function for the secret's engine.
//   - fix-schedule (rotation-schedule): RotateSecret with AutomaticallyAfterDays
//     = maxRotationDays (ScheduleExpression dropped, Duration kept when it
//     fits a day), the same function, RotateImmediately false.
//   - add-tags (required-tags): TagResource with the absent required tags
//     (owner from the creator's user or role name, environment from the
//     baseline's account map, else the rule's default) and
//     secretguard:rotation-status; never overwrites a value, not even an
//     empty one.
//   - use-cmk (cmk): UpdateSecret{KmsKeyId} from aws/secretsmanager to the
//     Region's baseline key, only after DescribeKey and GetKeyPolicy show a
//     symmetric, enabled customer managed key whose policy lets the account's
//     principals use it through Secrets Manager (kms:ViaService and
//     kms:CallerAccount). Never between two customer managed keys.
//   - tighten-policy (no-public-policy): Tighten rewrites only the offending
//     statements; PutResourcePolicy with BlockPublicPolicy, or
//     DeleteResourcePolicy when nothing is left.
//   - replicate (replication): ReplicateSecretToRegions for the missing
//     required Regions, each on its verified baseline key, never overwriting
//     a secret there.
//
// The registry is explicit (All, ByID, ForCheck): no init side effects, and a
// duplicate remedy ID, or two remedies claiming one check, panics at start.
package remedies
