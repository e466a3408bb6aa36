package secret_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// BenchmarkSweepMoto sweeps 1,000 secrets in moto with Needs{Policy: true}:
// "moto-bound" with a budget high enough that moto is the bottleneck,
// "default-budget" with awsenv.DefaultBudget (GetResourcePolicy at 40 TPS),
// the rate a real account sees. Run it with -benchtime=1x.
func BenchmarkSweepMoto(b *testing.B) {
	const n = 1000
	srv := motoserver.Start(b)
	srv.Reset(b)
	seed(b, secretsmanager.NewFromConfig(srv.Config(b, primary)), "bench/", n)

	for _, bc := range []struct {
		name   string
		budget awsenv.Budget
	}{
		{"moto-bound", fastBudget},
		{"default-budget", awsenv.DefaultBudget()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			client, counter := instrumented(b, srv, primary, bc.budget)
			o := &secret.Observer{Client: client, Region: primary}
			ctx := motoCtx(b)
			secrets := 0
			start := time.Now()
			for b.Loop() {
				st, err := o.Sweep(ctx, secret.SweepOptions{}, secret.Needs{Policy: true}, func(secret.Page) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
				if st.Secrets != n || st.Problems != 0 {
					b.Fatalf("stats %+v", st)
				}
				secrets += st.Secrets
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(counter.Total())/float64(secrets), "calls/secret")
			b.ReportMetric(float64(secrets)/elapsed.Seconds(), "secrets/s")
			b.ReportMetric(float64(counter.Throttles()), "throttles")
		})
	}
}
