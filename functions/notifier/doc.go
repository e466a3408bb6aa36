// Command notifier is the Lambda function that turns secretguard's events
// (source "secretguard": Secret Needs Attention, Remediation Failed, Secret
// Remediated, Secret Revoked, Secret Compliant) into tickets, one per secret
// and check, in the sinks the baseline's tickets section lists (OpsCenter by
// default; Security Hub, Jira, SNS, a signed webhook). See shared/tickets.
//
// # Invocation and failures
//
// The function accepts both shapes, and the deployment picks one:
//
//   - Recommended: EventBridge rule → SQS queue → this function, through an
//     event source mapping with ReportBatchItemFailures. Records that fail
//     (a sink down, the ticket locked by another invocation, a malformed
//     event) are returned in batchItemFailures; SQS redelivers them after
//     the visibility timeout and moves them to the queue's DLQ after
//     maxReceiveCount. The queue buffers bursts and a DLQ can be redriven.
//   - EventBridge rule → this function, invoked asynchronously: any failure
//     returns an error, Lambda retries twice with backoff, then sends the
//     event to the function's on-failure destination or DLQ.
//
// Either way an event is never lost: it is applied, or it ends in a DLQ.
// Within an invocation, HTTP sinks retry with backoff and AWS sinks through
// the SDK's retryer. Applying an event twice is harmless (idempotent on
// detail.id).
//
// # Environment
//
// TABLE_NAME (required): the DynamoDB table shared by secretguard's
// functions (string keys pk and sk, TTL attribute ttl). BASELINE: "" for
// the embedded default, "ssm:<name>" or a file path. AWS_REGION. The
// function's role needs the permissions tickets.Permissions lists for the
// configured sinks, GetItem/PutItem/UpdateItem on the table, and
// sts:GetCallerIdentity when Security Hub is a sink; it may read only the
// Jira and webhook credentials secrets.
//
// Logs are JSON lines (log/slog): event IDs, the secret's ARN, the check,
// each sink's action and errors; never a secret value nor a credential.
// An init failure logs one JSON error line and exits 1.
package main
