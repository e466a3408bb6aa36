// Command workloads is the Lambda function (secretguard-workloads) that
// acts on the workload and account checks (baseline.ResourceCheckIDs: a
// Lambda function's or ECS task definition's plaintext credentials, an
// account's parameters, CloudTrail read events, VPC endpoints, caching):
// each Config compliance change of their secretguard-* rules (from
// EventBridge, directly or through SQS) and each direct request
//
//	{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}, "dryRun": true}
//
// ("resourceId" names the function or task definition of the other
// checks; an account check's is the account ID) ends in one decision on
// one resource, observed live (engine.Invocation.ReconcileResource): a
// ticket, or in remediate mode the check's remedy (create-vpc-endpoint for
// vpc-endpoint). Decoding and handling are shared/dispatch's
// (dispatch.ResourceChecks); secret reconciles are skipped, logged and
// counted, naming secretguard-remediator, which serves them.
//
// Environment: AWS_REGION; BASELINE ("" for the embedded default,
// "ssm:<name>" or a file path); TABLE_NAME (the shared DynamoDB table:
// ledger and claims, required); EVENT_BUS_NAME (the secretguard bus; ""
// for the account's default bus); SPOKE_ROLE_NAME (default
// "secretguard-spoke-workloads"); DRY_RUN ("true", "1" or "yes": preview; "",
// "false", "0" or "no": remediate; any other value fails the init, naming
// it). In preview nothing is changed (no endpoint is created): every
// decision is recorded and sent, a remedy's plan as a dry-run Secret
// Remediated event; a direct request's "dryRun": false cannot override
// DRY_RUN (it is logged and ignored), as in the remediator.
//
// Its IAM actions are engine.ResourcePermissions(vpcendpoint.IAMActions):
// the checks' reads and the EC2 writes of create-vpc-endpoint in each
// account (through the spoke role), which only this function holds.
package main

import (
	"github.com/secretguard/secretguard/shared/dispatch"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/vpcendpoint"
	"github.com/secretguard/secretguard/shared/workload/observe"
)

// function serves the workload and account checks, with what only this
// function has: the workload observer and the remedies of those checks.
var function = dispatch.Function{Serves: dispatch.ResourceChecks, Wire: func(e *engine.Engine) {
	e.NewWorkload = observe.Factory(nil)
	e.ResourceRemedies = []engine.ResourceRemedy{vpcendpoint.Remedy{}}
}}

// setup builds the handler (dispatch.Setup); tests call it with their
// environment.
var setup = function.Setup

func main() { function.Main() }
