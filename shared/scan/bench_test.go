package scan_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// benchSnapshots builds n varied Snapshots across the three partitions:
// rotation on and off, several schedules, AWS managed keys, public,
// cross-account and no policies, replicated secrets, missing tags, waivers,
// stuck rotations, unreadable policies, replicas, deletions and gone secrets.
func benchSnapshots(b *testing.B, n int) []*secret.Snapshot {
	rng := rand.New(rand.NewPCG(1, 2))
	arns := []string{
		"arn:aws:secretsmanager:us-east-1:111122223333:secret:app/svc-%d/db+main=x.y@z-AbCdEf",
		"arn:aws-cn:secretsmanager:cn-north-1:222233334444:secret:app/orders-%d-Gh12Ij",
		"arn:aws-us-gov:secretsmanager:us-gov-west-1:333344445555:secret:app/partner-%d-Kl34Mn",
		"arn:aws:secretsmanager:us-east-1:111122223333:secret:dr/payments-%d-Op56Qr",
	}
	rules := []secret.RotationRules{
		{AutomaticallyAfterDays: 30}, {AutomaticallyAfterDays: 120}, {ScheduleExpression: "rate(30 days)"},
		{ScheduleExpression: "cron(0 4 ? * SUN *)"}, {ScheduleExpression: "cron(0 0 1 1,7 ? *)"},
	}
	policies := []string{
		publicPolicy,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}`,
	}
	out := make([]*secret.Snapshot, n)
	for i := range out {
		out[i] = snap(b, fmt.Sprintf(arns[i%len(arns)], i), func(s *secret.Snapshot) {
			s.RotationEnabled = rng.IntN(5) != 0
			s.RotationRules = rules[rng.IntN(len(rules))]
			s.LastRotatedDate = now.Add(-time.Duration(rng.IntN(200)) * day)
			s.LastAccessedDate = now.Truncate(day).Add(-time.Duration(rng.IntN(150)) * day)
			if rng.IntN(4) == 0 {
				s.KMSKeyID = ""
			}
			if rng.IntN(3) == 0 {
				s.ResourcePolicy = policies[rng.IntN(len(policies))]
			}
			if rng.IntN(8) == 0 {
				delete(s.Tags, "owner")
			}
			if rng.IntN(20) == 0 {
				s.Tags["waive:cmk"] = "2025-06-30 migrating"
			}
			if rng.IntN(10) == 0 {
				s.VersionStages = map[string][]string{"a": {secret.StageCurrent}, "b": {secret.StagePending}}
			}
			if rng.IntN(25) == 0 {
				s.PolicyKnown, s.Problem = false, "GetResourcePolicy: missing permission secretsmanager:GetResourcePolicy (AccessDeniedException)"
			}
			if i%4 == 3 && rng.IntN(3) == 0 {
				s.Replicas = nil
			}
			if rng.IntN(50) == 0 {
				s.DeletedDate = now.Add(-2 * day)
			}
			if rng.IntN(200) == 0 {
				s.Gone = true
			}
		})
	}
	return out
}

// BenchmarkEvaluate evaluates every check on 100,000 Snapshots per
// iteration, as a sweep of a large organisation does.
func BenchmarkEvaluate(b *testing.B) {
	snaps := benchSnapshots(b, 100_000)
	bl, cs := testBaseline(b), checks.All()
	var sum scan.Summary
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for _, s := range snaps {
			sum.Add(scan.Evaluate(s, cs, bl, now))
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*len(snaps)), "ns/secret")
	if sum.Compliant == 0 || sum.NonCompliant == 0 || sum.NotApplicable == 0 || sum.Incomplete == 0 {
		b.Fatalf("fixtures not varied: %+v", sum)
	}
}
