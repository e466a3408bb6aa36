// Package motoserver runs a moto server (https://github.com/getmoto/moto) for
// tests that talk to AWS APIs through the real aws-sdk-go-v2 clients.
//
// A test package gets one server per test binary, started lazily by the first
// Start call and shared by every test in the package:
//
//	func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		srv := motoserver.Start(t)
//		srv.Reset(t)
//		client := secretsmanager.NewFromConfig(srv.Config(t, "us-east-1"))
//		...
//	}
//
// When SECRETGUARD_TEST_ENDPOINT is set (for example
// SECRETGUARD_TEST_ENDPOINT=http://127.0.0.1:5000), that already running moto
// is used instead and nothing is started or stopped. Otherwise `moto_server`
// must be on PATH (pip install 'moto[server]'); a missing moto fails the test
// rather than skipping it, so a CI without moto cannot pass silently.
//
// moto keeps all state in memory and shares it between the tests of a package,
// so tests either call Reset first or use names unique to the test. Reset
// clears every account, so tests that share a server must not run in parallel
// with a test that resets it. Credentials from Config map to the account
// TestAccount; credentials returned by moto's STS AssumeRole map to the
// account in the role ARN, which is how cross-account tests get a second
// account.
//
// Programs that are not tests (the demo, tests/lab) use Launch, which
// starts a server they own (optionally detached, to outlive them) or
// connects to a running one, with ResetState, AWSConfig, PID and Stop:
//
//	srv, err := motoserver.Launch(motoserver.Options{})
//	if err != nil { ... }
//	defer srv.Stop()
//	cfg := srv.AWSConfig("us-east-1")
package motoserver
