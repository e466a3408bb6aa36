package checks

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// benchSnapshots builds n varied Snapshots: three partitions, every class,
// rate/cron/AutomaticallyAfterDays schedules, service-managed secrets,
// replicas, waivers, deletions, resource policies and replication status.
func benchSnapshots(b *testing.B, n int) []*secret.Snapshot {
	rng := rand.New(rand.NewPCG(42, 7))
	arns := []string{
		"arn:aws:secretsmanager:us-east-1:111122223333:secret:app/svc-%d/db+main=x.y@z-AbCdEf",
		"arn:aws-cn:secretsmanager:cn-north-1:222233334444:secret:rds/orders-%d-Gh12Ij",
		"arn:aws-us-gov:secretsmanager:us-gov-west-1:333344445555:secret:api-key/partner-%d-Kl34Mn",
		"arn:aws:secretsmanager:eu-west-1:111122223333:secret:db/eu-%d-Op56Qr",
	}
	schedules := []secret.RotationRules{
		{ScheduleExpression: "rate(30 days)"}, {ScheduleExpression: "rate(12 hours)", Duration: "2h"},
		{ScheduleExpression: "cron(0 4 ? * SUN *)"}, {ScheduleExpression: "cron(0 0 ? * 6#1 *)"},
		{ScheduleExpression: "cron(0 0 1 1,7 ? *)"}, {ScheduleExpression: "cron(0 0 L * ? 2025-2026)"},
		{AutomaticallyAfterDays: 90}, {AutomaticallyAfterDays: 120},
	}
	var policies []string
	for _, f := range []string{"public.json", "scoped.json", "foreign_account.json", "allowed_cross_account.json", "foreign_org.json", "federated.json"} {
		policies = append(policies, policy(b, f))
	}
	out := make([]*secret.Snapshot, n)
	for i := range out {
		out[i] = snap(b, fmt.Sprintf(arns[i%len(arns)], i), func(s *secret.Snapshot) {
			s.RotationRules = schedules[rng.IntN(len(schedules))]
			s.RotationEnabled = rng.IntN(5) != 0
			s.LastRotatedDate = daysAgo(rng.IntN(200))
			s.LastAccessedDate = midnight(rng.IntN(150))
			if rng.IntN(10) == 0 {
				s.OwningService = "rds"
			}
			if rng.IntN(4) == 0 {
				s.KMSKeyID = ""
			}
			if rng.IntN(3) == 0 {
				s.ResourcePolicy = policies[rng.IntN(len(policies))]
			}
			if rng.IntN(6) == 0 {
				s.Tags[baseline.ClassTag] = "dr"
				s.Replicas = []secret.Replica{inSyncEU, {Region: "us-west-2", Status: "Failed", StatusMessage: "KMS key disabled"}}
			}
			if rng.IntN(8) == 0 {
				delete(s.Tags, "owner")
			}
			if rng.IntN(20) == 0 {
				s.Tags["secretguard:waive:cmk"] = "2025-12-31 migrating"
			}
			if rng.IntN(10) == 0 {
				s.VersionStages = map[string][]string{"a": {secret.StageCurrent}, "b": {secret.StagePending}}
			}
			if i%4 == 3 && rng.IntN(2) == 0 {
				s.PrimaryRegion = "us-east-1"
			}
			if rng.IntN(50) == 0 {
				s.DeletedDate = daysAgo(2)
			}
		})
	}
	return out
}

// benchSet is built once per test binary and shared by the benchmarks.
var benchSet struct {
	once  sync.Once
	snaps []*secret.Snapshot
}

func sharedSnapshots(b *testing.B) []*secret.Snapshot {
	benchSet.once.Do(func() { benchSet.snaps = benchSnapshots(b, 100_000) })
	return benchSet.snaps
}

// BenchmarkAllChecks evaluates every check on 100,000 Snapshots per
// iteration; the policy check parses the policy on every evaluation.
func BenchmarkAllChecks(b *testing.B) {
	snaps := sharedSnapshots(b)
	bl, cs := testBaseline(), All()
	counts := map[Compliance]int{}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for _, s := range snaps {
			for _, c := range cs {
				counts[Evaluate(c, s, bl, now).Compliance]++
			}
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*len(snaps)), "ns/secret")
	if counts[Compliant] == 0 || counts[NonCompliant] == 0 || counts[NotApplicable] == 0 {
		b.Fatalf("fixtures not varied: %v", counts)
	}
}

// BenchmarkEachCheck splits BenchmarkAllChecks by check.
func BenchmarkEachCheck(b *testing.B) {
	snaps := sharedSnapshots(b)
	bl := testBaseline()
	for _, c := range All() {
		b.Run(c.ID(), func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for range b.N {
				for _, s := range snaps {
					Evaluate(c, s, bl, now)
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*len(snaps)), "ns/secret")
		})
	}
}
