// Package tests holds secretguard's end-to-end tests: the function
// binaries, built by the tests themselves, run under the Lambda Runtime
// Interface Emulator against moto_server (or another endpoint), wired
// together as they are in AWS (see tests/lab, the harness they share with
// `make demo`).
//
//   - TestFlow: sweep, remediate the compliance changes, notify, a person's
//     fix, sweep again, revoke; asserts the end state.
//   - TestSamples: every file in events/ is accepted by the binary it
//     belongs to, and every malformed-* file is refused with a message that
//     names what is wrong.
//   - TestGarbage: payloads that are no event at all get a clear error.
//   - BenchmarkColdStart: each function's init time under the emulator and
//     its linux/arm64 bootstrap size.
//
// Run them with `make e2e` (or go test ./tests/). The suite starts its own
// moto_server unless AWS_ENDPOINT_URL (or motoserver's
// SECRETGUARD_TEST_ENDPOINT) names an endpoint to use instead; see
// README.md ("See it work"). It never skips for a missing tool: it installs
// the emulator into bin/tools, or fails saying how to.
package tests
