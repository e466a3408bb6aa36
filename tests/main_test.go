package tests

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/tests/lab"
)

// suite is what every test shares: the binaries built for this machine,
// the emulator and the target AWS.
var suite struct {
	root     string
	rie      string
	binaries map[string]string
	target   *lab.Target
	err      error    // why the suite could not start; every test fails with it
	cleanup  []func() // run after the tests, before the target stops
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		fmt.Println("tests: -short: the end-to-end suite builds and runs the function binaries; run it without -short")
		return m.Run() // every test skips itself
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "secretguard-e2e-*")
	if err != nil {
		suite.err = err
		return m.Run()
	}
	defer os.RemoveAll(dir)
	suite.err = setup(ctx, dir)
	defer suite.target.Stop()
	code := m.Run()
	for _, f := range suite.cleanup {
		f()
	}
	return code
}

// setup builds the functions, finds (or installs) the emulator and starts
// or connects to the target.
func setup(ctx context.Context, dir string) error {
	var err error
	if suite.root, err = lab.RepoRoot(); err != nil {
		return err
	}
	if suite.rie, err = lab.RIE(ctx, suite.root, func(s string) { fmt.Println("tests: " + s) }); err != nil {
		return err
	}
	names, err := lab.Functions(suite.root)
	if err != nil {
		return err
	}
	if suite.binaries, err = lab.Build(ctx, suite.root, filepath.Join(dir, "bin"), lab.Platform{}, names...); err != nil {
		return err
	}
	suite.target, err = target(ctx)
	return err
}

// target is AWS_ENDPOINT_URL when set, else SECRETGUARD_TEST_ENDPOINT (a
// running moto, as for every other package), else a moto_server the suite
// starts and stops.
func target(ctx context.Context) (*lab.Target, error) {
	for _, v := range []string{"AWS_ENDPOINT_URL", motoserver.EnvEndpoint} {
		if ep := os.Getenv(v); ep != "" {
			t, err := lab.Connect(ctx, ep)
			if err != nil {
				return nil, fmt.Errorf("%s=%s: %w", v, ep, err)
			}
			return t, nil
		}
	}
	return lab.StartMoto(ctx, false)
}

// newLab deploys secretguard on a clean slate of the target and starts
// every function; it fails the test (never skips) when it cannot.
func newLab(t *testing.T) *lab.Lab {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: builds and runs the function binaries")
	}
	if suite.err != nil {
		t.Fatalf("end-to-end suite: %v", suite.err)
	}
	if err := suite.target.Fresh(); err != nil {
		t.Fatalf("fresh target: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.New(ctx, suite.target, lab.Options{Root: suite.root, Baseline: filepath.Join(suite.root, "tests", "demo", "baseline.yaml"),
		Binaries: suite.binaries, RIE: suite.rie})
	if err != nil {
		t.Fatalf("lab: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for name, f := range l.Functions {
				t.Logf("--- %s (end of its log) ---\n%s", name, f.LogTail(1500))
			}
		}
		l.Close()
	})
	return l
}

// testContext is a context that ends with the test.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
