package engine_test

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
)

const benchSecrets = 1000

// BenchmarkReconcile remediates 1,000 secrets that lack their required
// tags (remediate mode, ledger and events on), on moto: as a sweep of the
// Region, and one event-driven Reconcile per secret. It reports secrets per
// second and API calls per remediated secret (awsenv.Counter, retries
// included). Run: go test ./shared/engine -run '^$' -bench Reconcile -benchtime 1x
func BenchmarkReconcile(b *testing.B) {
	for _, mode := range []string{"sweep", "events"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				e := newEnv(b)
				e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
				e.b.RequiredTags[0].Default = "platform"
				e.b.MaxChangesPerInvocation = benchSecrets
				arns := seed(b, e, benchSecrets)
				e.counter.Reset()
				inv := e.engine().Start()
				b.StartTimer()
				start := time.Now()
				if mode == "sweep" {
					if _, err := inv.Sweep(e.ctx, engine.SweepRequest{Region: region}, nil); err != nil {
						b.Fatal(err)
					}
				} else {
					parallel(8, arns, func(arn string) {
						if _, err := inv.Reconcile(e.ctx, engine.Request{SecretID: arn}); err != nil {
							b.Error(err)
						}
					})
				}
				elapsed := time.Since(start)
				b.StopTimer()
				n := inv.Stats()[engine.OutcomeRemediated]
				if n != benchSecrets {
					b.Fatalf("%d remediated, want %d (%v)", n, benchSecrets, inv.Stats())
				}
				b.ReportMetric(float64(n)/elapsed.Seconds(), "secrets/s")
				b.ReportMetric(float64(e.counter.Total()+int64(e.events.calls))/float64(n), "calls/secret")
				b.Logf("%-40s %6d (%.2f per secret)", "events:PutEvents", e.events.calls, float64(e.events.calls)/float64(n))
				counts := e.counter.Counts()
				ops := make([]string, 0, len(counts))
				for op := range counts {
					ops = append(ops, op)
				}
				sort.Strings(ops)
				for _, op := range ops {
					b.Logf("%-40s %6d (%.2f per secret)", op, counts[op], float64(counts[op])/float64(n))
				}
			}
		})
	}
}

// seed creates n secrets without tags (awsfix.CreateSecrets).
func seed(tb testing.TB, e *env, n int) []string {
	return awsfix.CreateSecrets(tb, e.ctx, e.sm, n, func(i int) *secretsmanager.CreateSecretInput {
		return &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprint("bench/secret-", i)), SecretString: aws.String("x")}
	})
}

func parallel(workers int, items []string, fn func(string)) {
	ch := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for it := range ch {
				fn(it)
			}
		})
	}
	for _, it := range items {
		ch <- it
	}
	close(ch)
	wg.Wait()
}
