// Command demo shows secretguard doing its job on a laptop, without an AWS
// account: `make demo` (or `go run ./tests/demo` once the functions are
// built into bin/local and the emulator into bin/tools).
//
// It starts moto_server on 127.0.0.1 (a free port), seeds a realistic
// account, and runs the real function binaries under the Lambda Runtime
// Interface Emulator: an evaluator sweep (one invocation per Config rule)
// printed as a compliance table, the remediator on the compliance changes,
// the notifier on what the remediator emitted (tickets arrive, signed, at a
// local HTTPS webhook), a second sweep, and the revoker on one secret. See
// tests/lab for the harness and README.md ("See it work") for the output.
//
// Flags: --keep leaves moto running afterwards and prints its endpoint;
// --no-color never colours the output (it is coloured only on a terminal).
// SIGINT and SIGTERM stop every process the demo started, then it exits 130.
package main
