package checks

import (
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

func replicas(rs ...secret.Replica) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.Replicas = rs }
}

var (
	inSyncEU = secret.Replica{Region: "eu-west-1", KMSKeyID: "alias/secrets-eu", Status: "InSync"}
	inSyncW2 = secret.Replica{Region: "us-west-2", KMSKeyID: "arn:aws:kms:us-west-2:111122223333:alias/secretguard", Status: "InSync"}
	dr       = withTag(baseline.ClassTag, "dr")
)

// fromFile loads a testdata snapshot and applies edits.
func fromFile(name string, edits ...func(*secret.Snapshot)) func(testing.TB) *secret.Snapshot {
	return func(t testing.TB) *secret.Snapshot {
		s := loadSnapshot(t, name)
		for _, e := range edits {
			e(s)
		}
		return s
	}
}

var replicationCases = []checkCase{
	{name: "a secret nothing requires elsewhere is compliant", s: at(arnAWS),
		want: Compliant, has: []string{"No replication required", "class standard", "secretguard:replicate-to"}},
	{name: "a tag naming only the own Region requires nothing", s: at(arnAWS, withTag("secretguard:replicate-to", "us-east-1")),
		want: Compliant, has: []string{"No replication required"}},
	{name: "unknown replication status is not applicable", s: at(arnAWS, dr, edit(func(s *secret.Snapshot) { s.ReplicasKnown = false })),
		want: NotApplicable, has: []string{"not read (DescribeSecret was not called)", "eu-west-1, us-west-2"}},
	{name: "a failed DescribeSecret is quoted", s: at(arnAWS, dr, edit(func(s *secret.Snapshot) {
		s.ReplicasKnown, s.Problem = false, "DescribeSecret: throttled after 5 attempts"
	})),
		want: NotApplicable, has: []string{"(DescribeSecret: throttled after 5 attempts)"}},
	{name: "replicas in sync on allowed keys are compliant", s: at(arnAWS, dr, replicas(inSyncEU, inSyncW2)),
		want: Compliant, has: []string{"eu-west-1, us-west-2"}},
	{name: "a missing Region needs replicate and is named", s: at(arnAWS, dr, replicas(inSyncEU)),
		want: NonCompliant, remedy: baseline.RemedyReplicate, has: []string{"Not replicated to us-west-2", "class dr"}},
	{name: "the replication tag adds Regions in any separator", s: at(arnAWS, withTag("secretguard:replicate-to", "ap-southeast-2; eu-central-1,us-east-1")),
		want: NonCompliant, remedy: baseline.RemedyReplicate, has: []string{"ap-southeast-2, eu-central-1)"[:28]}},
	{name: "a failed replica is reported with its message, without remedy", s: fromFile("replicated-failing.json"),
		want: NonCompliant, has: []string{"us-west-2 is Failed", "already exists"}},
	{name: "a replica still in progress is reported", s: at(arnAWS, dr, replicas(inSyncEU, secret.Replica{Region: "us-west-2", KMSKeyID: "alias/k", Status: "InProgress"})),
		want: NonCompliant, has: []string{"InProgress", "no status message", "wait for it"}},
	{name: "a replica on the AWS managed key must be re-replicated", s: at(arnAWS, dr, replicas(inSyncEU, secret.Replica{Region: "us-west-2", Status: "InSync"})),
		want: NonCompliant, has: []string{"us-west-2 uses the AWS managed key", "re-replicate with arn:aws:kms:us-west-2:111122223333:alias/secretguard"}},
	{name: "a replica on a key not allowed in its Region must be re-replicated", s: at(arnAWS, dr, replicas(inSyncW2, secret.Replica{Region: "eu-west-1", KMSKeyID: "alias/other", Status: "InSync"})),
		want: NonCompliant, has: []string{"eu-west-1 uses key alias/other, not allowed"}},
	{name: "several problems are counted", s: fromFile("replicated-failing.json", func(s *secret.Snapshot) { s.Replicas[0].KMSKeyID = "" }),
		want: NonCompliant, has: []string{"2 replica problems"}},
	{name: "a missing Region and a broken replica: replicate, and say the rest", s: at(arnAWS, dr, replicas(secret.Replica{Region: "eu-west-1", Status: "Failed", StatusMessage: "KMS key disabled"})),
		want: NonCompliant, remedy: baseline.RemedyReplicate, has: []string{"us-west-2", "Also: replica in eu-west-1"}},
	{name: "without a replication tag the annotation does not mention one", s: at(arnAWS),
		b:    func(b *baseline.Baseline) { b.Replication.Tag = "" },
		want: Compliant, has: []string{"(class standard)."}},
}

func TestReplication(t *testing.T) { runCases(t, replication{}, replicationCases) }

func TestShouldReplicate(t *testing.T) {
	b := testBaseline()
	for _, tc := range []struct {
		name string
		s    *secret.Snapshot
		want bool
	}{
		{"a primary of a class with Regions", snap(t, arnAWS, dr), true},
		{"a primary tagged with Regions", snap(t, arnGov, withTag("secretguard:replicate-to", "us-gov-east-1")), true},
		{"a primary nothing requires elsewhere", snap(t, arnAWS), false},
		{"a primary whose tag names its own Region", snap(t, arnCN, withTag("secretguard:replicate-to", "cn-north-1")), false},
		{"a replica", snap(t, arnEU, dr, edit(func(s *secret.Snapshot) { s.PrimaryRegion = "us-east-1" })), false},
		{"a primary that knows it is one", snap(t, arnAWS, dr, edit(func(s *secret.Snapshot) { s.PrimaryRegion = "us-east-1" })), true},
		{"a secret scheduled for deletion", snap(t, arnAWS, dr, edit(func(s *secret.Snapshot) { s.DeletedDate = now.Add(-time.Hour) })), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ShouldReplicate(tc.s, b); got != tc.want {
				t.Errorf("ShouldReplicate = %v, want %v", got, tc.want)
			}
		})
	}
}
