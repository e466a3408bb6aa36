// Package dispatch turns the payloads of the reconciling Lambda functions
// into engine calls. Two functions share it, each serving one part of the
// work (Serves):
//
//   - secretguard-remediator (Secrets): secret reconciles — Config
//     compliance changes of the secret checks' rules, Secrets Manager
//     CloudTrail calls, direct {"secretId": ...} requests and
//     {"sweep": {...}} sweeps (engine.Invocation.Reconcile and Sweep);
//   - secretguard-workloads (ResourceChecks): the workload and account
//     checks (baseline.ResourceCheckIDs) — Config compliance changes of
//     their rules and direct {"resource": {...}} requests
//     (engine.Invocation.ReconcileResource).
//
// Decode reads one payload into a Trigger whatever the function: an
// EventBridge event (fields AWS adds are ignored) or a direct request
// (decoded strictly: an unknown field is an error naming it). Handler runs
// the Triggers its function serves; any other is skipped, counted and
// logged with the name of the function that serves it, never an error and
// never dropped silently. An SQS batch is handled record by record, with
// partial batch failures for the retryable ones only.
//
// Setup is the start-up both mains share (DRY_RUN, TABLE_NAME, the SDK
// config and baseline, roles, ledger, bus, engine); each main adds its own
// parts to the engine (the workloads function: NewWorkload and
// ResourceRemedies), so that the remediator does not link the EC2, ECS,
// Lambda and CloudWatch clients.
package dispatch
