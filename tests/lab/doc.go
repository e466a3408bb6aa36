// Package lab deploys secretguard on a local AWS and drives its real
// function binaries, for `make demo` (tests/demo) and the end-to-end tests
// (tests/). Nothing here is used by the functions themselves.
//
//   - Target: the AWS to run against: a moto_server the lab starts
//     (StartMoto, through motoserver.Launch) or an endpoint it is given
//     (Connect), with the account it answers for.
//   - Provision and Seed: what the stacks would deploy (state table, event
//     bus with a rule to the notifier's queue, KMS keys, a stand-in
//     rotation function, the spoke and break-glass roles) and a realistic
//     account of secrets to find fault with.
//   - Build, RIE and StartFunction: the function binaries, built as the
//     Makefile builds them, each running under the Lambda Runtime Interface
//     Emulator (start, invoke, stop, logs, the emulator's INIT REPORT).
//   - ConfigRecorder: a local Config endpoint that records PutEvaluations,
//     which moto implements only in TestMode.
//   - WebhookSink: an HTTPS ticket webhook that verifies each signature.
//   - Lab: all of it together, with the steps of the story: Sweep,
//     ComplianceChanges and Remediate, Drain and Notify, TagByHand,
//     RevokeRequest and Revoke; Samples adapts events/ to the seeded
//     account; WriteRules, WriteMatrix and WriteFindings print what Config's
//     console would show.
package lab
