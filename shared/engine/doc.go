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
// # Dry-run and preview
//
// A request's DryRun (`secretguard remediate --dry-run`) writes nothing at
// all: no Apply, no claim, no ledger, no event; the result carries the
// plans with their exact calls.
//
// Engine.Preview is the deployment-level preview: the remediator sets it
// from DRY_RUN (the infra's dryRun context, true for a first deployment),
// and it applies to every request that is not itself a dry run. In preview
// no call that changes a secret is ever made (no Apply, hence no claim), but
// the engine records and tells as usual, so that a team sees in its ticket
// system and logs exactly what secretguard would change before turning
// remediation on. Ticket-mode findings, empty and NeedsHuman plans and the
// cap are ticketed as in normal mode and Secret Compliant is sent as usual.
// A remedy's plan gives a Secret Remediated event with DryRun set, the
// planned calls (outcome "dry-run"), Before/After from the plan, the Fix
// command, Why PreviewWhy and compliance still NON_COMPLIANT (the notifier
// opens a ticket for it), and a ledger entry with outcome planned, which
// `secretguard undo` refuses. A NeedsHuman plan with calls is ticketed
// (Secret Needs Attention) with the calls secretguard would make, also
// DryRun; a plan that fails is Remediation Failed. Without claims, these
// decisions are deduplicated like tickets: the check's latest verdict
// records the decision key on the state hash (and the fix), so that an
// unchanged plan is not sent again on every event or sweep. The cap counts
// planned changes as in dry-run, except a plan already sent on the same
// state, which is neither sent nor counted, so that successive sweeps
// preview every secret rather than the same first ones. When preview is
// turned off, the first real remediation on that state acts as usual and
// its Secret Remediated (COMPLIANT) resolves the ticket.
//
// # Errors
//
// A secret deleted before it is observed is a no-op (Result.Gone). An
// account whose spoke role cannot be assumed, and any other error that a
// retry cannot fix, is terminal (Retryable says which). Per-check failures
// (a plan or a call that failed) are outcomes, not errors. Throttling is
// retried inside the SDK (awsenv's retryer).
package engine
