// Command remediator is the Lambda function that keeps secrets on the
// baseline: Config compliance changes, Secrets Manager CloudTrail calls
// (from EventBridge, directly or through SQS) and direct requests each end
// in one level-based reconcile of one secret (see shared/engine); a direct
// {"sweep": {...}} reconciles a whole account and Region. Decoding and
// handling are shared/dispatch's (dispatch.Secrets): the workload and
// account checks' triggers are skipped, logged and counted, naming
// secretguard-workloads (functions/workloads), which serves them; so this
// binary links neither their observer nor their remedies, nor the EC2,
// ECS, Lambda and CloudWatch clients.
//
// Environment: AWS_REGION; BASELINE ("" for the embedded default,
// "ssm:<name>" or a file path); TABLE_NAME (the shared DynamoDB table:
// ledger and claims, required); EVENT_BUS_NAME (the secretguard bus; ""
// for the account's default bus); SPOKE_ROLE_NAME (default
// "secretguard-spoke-remediator"); DRY_RUN (see below). Its IAM actions are
// engine.Permissions().
//
// # DRY_RUN: preview
//
// DRY_RUN ("true", "1" or "yes": on; "", "false", "0" or "no": off; any
// other value fails the init, naming it) turns on engine.Engine.Preview for
// the whole deployment. The CDK stacks set it from the dryRun context, true
// in cdk.json: deploy first with it, read the tickets and logs, then deploy
// with -c dryRun=false. In preview no call that changes a secret is ever
// made; every decision is still recorded in the ledger and sent on the bus:
// ticket-mode findings are ticketed as usual, and each remedy's plan gives a
// Secret Remediated event with dryRun true, the calls secretguard would make
// and the fix (the notifier opens a ticket for it), once per plan and
// state. Every request is a preview, whatever the event says: a direct
// request's "dryRun": false cannot override DRY_RUN (it is logged and
// ignored), while "dryRun": true still writes nothing at all, as without
// DRY_RUN.
package main

import (
	"github.com/secretguard/secretguard/shared/dispatch"
)

// function serves secret reconciles, with nothing added: no workload
// observer, no resource remedy.
var function = dispatch.Function{Serves: dispatch.Secrets}

// setup builds the handler (dispatch.Setup); tests call it with their
// environment.
var setup = function.Setup

func main() { function.Main() }
