// Package tickets turns secretguard's events (shared/outcome) into tickets
// where teams work, so that what secretguard cannot or may not fix reaches
// a person once, with what to do, and closes itself when the secret is
// compliant again.
//
// # One ticket per secret and check
//
// Tracker.Handle applies one event. Secret Needs Attention, Remediation
// Failed, Secret Revoked and dry-run (or still NON_COMPLIANT) Secret
// Remediated events open a ticket for (secret ARN, check) — RevokedCheck
// for revocations — or, when one is open, add to it if the finding changed
// (Ticket.Fingerprint) and send nothing if it did not. Secret Compliant and
// Secret Remediated resolve the open ticket with a comment. An event whose
// detail.time is older than the last one applied to the ticket is stale and
// ignored, so reordered events cannot reopen a resolved ticket.
//
// # State and idempotency
//
// State lives in one DynamoDB table shared with other functions (string
// hash key pk, string range key sk, numeric TTL attribute ttl):
//
//	pk = "ticket#"+secretARN, sk = check     the ticket: status, fingerprint,
//	                                         last event time, each sink's ref,
//	                                         and a lock (lockOwner, lockUntil)
//	pk = "event#"+detail.id,  sk = "notifier" the keys that event was applied to
//
// Handle skips an event already recorded for its key; otherwise it takes
// the ticket's lock (a conditional update; ErrBusy while another invocation
// holds it), calls the sinks, saves each sink's progress at once, releases
// the lock and records the event. A failing sink does not stop the others;
// Handle then returns an error, and the retried event calls only the sinks
// that have not applied it. Event records and resolved tickets expire after
// the baseline's tickets.retentionDays; open tickets never do.
//
// # Sinks
//
// OpsCenter (the default), SecurityHub, Jira, SNS and Webhook implement
// Sink; NewSinks builds them from the baseline's tickets section. AWS sinks
// retry through the SDK's retryer; HTTP sinks retry 429, 408 and 5xx
// answers and network errors with capped, jittered exponential backoff,
// honouring Retry-After. Each sink declares its IAM permissions
// (Permissions): the Jira and webhook sinks read their own credentials
// secret, and nothing else — the one exception to "no function reads a
// secret value", scoped to those ARNs. Credentials never appear in logs or
// errors.
//
// # Content
//
// NewTicket is the only code that reads an outcome.Detail, and copies a
// whitelist of its fields into a Ticket: the secret (ARN, name, account,
// Region, owner tag, a partition-aware console link), the check, its
// severity and one sentence on why it matters (WhyItMatters), what
// secretguard did or why it did not (Why, Remedy, Calls with parameters
// redacted), the exact fix and the waiver tag. Before, After and Report
// never reach a ticket. Ticket.Doc renders a body as plain text or as
// Atlassian Document Format.
package tickets
