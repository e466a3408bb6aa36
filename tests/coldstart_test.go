package tests

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/secretguard/secretguard/tests/lab"
)

// BenchmarkColdStart measures each function's cold start under the Lambda
// Runtime Interface Emulator, and the size of its linux/arm64 bootstrap.
//
// init-ms is the emulator's own "INIT REPORT(durationMs)", which is what
// Lambda reports as Init Duration: from the start of the init phase (the
// emulator launching the binary) until the function asks the Runtime API
// for its first invocation (GET /runtime/invocation/next), so it covers
// process start, the Go runtime, package initialisation and main's setup
// (SDK config, baseline, clients) — everything before lambda.Start polls.
// The emulator's "Init Duration" on the REPORT line is not used: it times
// only the emulator's call that starts init, which returns at once.
// Each iteration starts a fresh emulator and function with the demo's
// environment and invokes it once with a payload it rejects without
// calling AWS; init-ms is the median over b.N iterations (make
// bench-coldstart runs 10). arm64-MB is the bootstrap as `make build`
// builds it (CGO off, -tags lambda.norpc, -trimpath, -ldflags '-s -w').
// The numbers are from this machine's CPU, not a Graviton Lambda.
func BenchmarkColdStart(b *testing.B) {
	if suite.err != nil {
		b.Fatalf("end-to-end suite: %v", suite.err)
	}
	specs := benchSpecs(b)
	sizes := arm64Sizes(b)
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			var inits []float64
			for b.Loop() {
				inits = append(inits, coldStart(b, specs[name]))
			}
			sort.Float64s(inits)
			b.ReportMetric(inits[len(inits)/2], "init-ms")
			b.ReportMetric(float64(sizes[name])/1e6, "arm64-MB")
		})
	}
}

// coldStart starts the function, invokes it once and returns the init
// duration in milliseconds.
func coldStart(b *testing.B, spec lab.FunctionSpec) float64 {
	f, err := lab.StartFunction(spec)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		b.StopTimer()
		f.Stop()
		b.StartTimer()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := f.Invoke(ctx, []byte(`{"secretguard":"cold start probe"}`)); err != nil {
		b.Fatal(err)
	}
	// The emulator's log reaches us through a pipe: under load the INIT
	// REPORT line can arrive after the invocation's answer.
	d, ok := f.InitDuration()
	for deadline := time.Now().Add(3 * time.Second); !ok && time.Now().Before(deadline); d, ok = f.InitDuration() {
		time.Sleep(20 * time.Millisecond)
	}
	if !ok {
		b.Fatalf("%s: no INIT REPORT in the emulator's log:\n%s", spec.Name, f.LogTail(2000))
	}
	return float64(d.Microseconds()) / 1000
}

var (
	benchOnce  sync.Once
	benchLab   *lab.Lab
	benchErr   error
	sizesOnce  sync.Once
	sizesByFn  map[string]int64
	sizesError error
)

// benchSpecs returns how the demo starts each function (its environment:
// baseline, table, bus, endpoints), from a lab deployed once.
func benchSpecs(b *testing.B) map[string]lab.FunctionSpec {
	benchOnce.Do(func() {
		if benchErr = suite.target.Fresh(); benchErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		benchLab, benchErr = lab.New(ctx, suite.target, lab.Options{Root: suite.root,
			Baseline: filepath.Join(suite.root, "tests", "demo", "baseline.yaml"), Binaries: suite.binaries, RIE: suite.rie})
		if benchErr == nil {
			suite.cleanup = append(suite.cleanup, benchLab.Close)
		}
	})
	if benchErr != nil {
		b.Fatalf("lab: %v", benchErr)
	}
	return benchLab.Specs
}

// arm64Sizes builds every function for Lambda (linux/arm64) and returns
// the bootstrap sizes in bytes.
func arm64Sizes(b *testing.B) map[string]int64 {
	sizesOnce.Do(func() {
		dir, err := os.MkdirTemp("", "secretguard-arm64-*")
		if err != nil {
			sizesError = err
			return
		}
		defer os.RemoveAll(dir)
		names, err := lab.Functions(suite.root)
		if err != nil {
			sizesError = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		paths, err := lab.Build(ctx, suite.root, dir, lab.LambdaARM64, names...)
		if err != nil {
			sizesError = err
			return
		}
		sizesByFn = map[string]int64{}
		for n, p := range paths {
			st, err := os.Stat(p)
			if err != nil {
				sizesError = err
				return
			}
			sizesByFn[n] = st.Size()
		}
	})
	if sizesError != nil {
		b.Fatalf("linux/arm64 build: %v", sizesError)
	}
	return sizesByFn
}
