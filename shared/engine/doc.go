// Package engine is secretguard's reconcile loop: take one secret's ID,
// re-read its whole state, check it against the baseline, decide per
// finding, act idempotently, verify, record and tell. Every trigger of the
// remediator (Config compliance changes, CloudTrail calls, SQS, direct
// invocations, sweeps) and `secretguard remediate` end in Reconcile; an
// event's content is never used as state, only the secret's ID.
//
// # Decide
//
// Decide is a pure function of a finding, the check's mode, a waiver and
// the invocation's change budget: compliant or not applicable → nothing;
// a valid waiver → waived; mode report → reported (no ledger entry, no
// event: the evaluator already gives Config the verdict); mode ticket → a
// Secret Needs Attention event; mode remediate → the finding's remedy,
// unless there is none (ticket) or the invocation already made
// Baseline.MaxChangesPerInvocation changes (ticket, "cap reached").
//
// # Remediate
//
// Findings that name the same remedy are fixed by one plan (enable-rotation
// fixes rotation-enabled, rotation-function and rotated-recently at once).
// The plan is computed from the current snapshot (remedies.ByID + Plan); a
// NeedsHuman error with a non-empty plan applies the plan and tickets the
// rest. Before applying, the engine claims (secret, check, state hash) in
// the ledger: of duplicate events that observed the same state, one acts
// and the others are no-ops. remedies.Apply stops at the first failing call
// and reports the calls that succeeded. The secret is then observed again
// and each check re-evaluated: passing → Secret Remediated; still failing →
// Remediation Failed, except rotated-recently after enable-rotation, which
// passes only after the first rotation (outcome remediated-pending, a
// Secret Remediated event whose compliance is still NON_COMPLIANT, so the
// ticket stays open until a Secret Compliant event resolves it).
//
// # Record and tell
//
// With a Ledger, each decision that acts or tells someone is recorded
// (package ledger) and, with an Events client, sent on EventBridge as an
// outcome.Detail (source secretguard) carrying before/after configuration,
// never values, the exact CLI command that would fix it (Fix) and the waiver
// tag (Waiver). A check that the ledger last recorded NON_COMPLIANT and that
// now passes (or is waived) gives Secret Compliant, so the notifier resolves
// the ticket. A ticket already recorded for the same decision on the same
// state is not recorded or sent again.
//
// Dry-run writes nothing at all: no Apply, no claim, no ledger, no event;
// the result carries the plans with their exact calls.
//
// # Errors
//
// A secret deleted before it is observed is a no-op (Result.Gone). An
// account whose spoke role cannot be assumed, and any other error that a
// retry cannot fix, is terminal (Retryable says which). Per-check failures
// (a plan or a call that failed) are outcomes, not errors. Throttling is
// retried inside the SDK (awsenv's retryer).
package engine
