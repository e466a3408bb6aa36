package scan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// now is the time of every evaluation in these tests.
var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// ARNs of the three partitions; the names use every character a secret name
// may hold besides letters and digits.
const (
	arnAWS = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db+main=x.y@z-prod-AbCdEf"
	arnCN  = "arn:aws-cn:secretsmanager:cn-north-1:222233334444:secret:app/orders.primary@cn-Gh12Ij"
	arnGov = "arn:aws-us-gov:secretsmanager:us-gov-west-1:333344445555:secret:app/partner=x+y-Kl34Mn"
	arnDR  = "arn:aws:secretsmanager:us-east-1:111122223333:secret:dr/payments-Op56Qr"
	// arnDRReplica is the eu-west-1 replica of arnDR.
	arnDRReplica = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:dr/payments-Op56Qr"
)

// baselineYAML is validated by baseline.Parse, as the CLI's baselines are.
const baselineYAML = `
version: 1
organization:
  id: o-a1b2c3d4e5
  allowedAccounts: ["444455556666"]
defaultClass: standard
classes:
  - name: standard
    maxRotationDays: 90
    rotationFunctions:
      - {engine: "*", arn: "arn:${Partition}:lambda:${Region}:${AccountId}:function:rotate"}
  - name: dr
    match: {namePrefixes: [dr/]}
    maxRotationDays: 90
    replicateTo: [eu-west-1]
    rotationFunctions:
      - {engine: "*", arn: "arn:${Partition}:lambda:${Region}:${AccountId}:function:rotate"}
requiredTags:
  - key: owner
kms:
  defaultKeys: {"*": "arn:${Partition}:kms:${Region}:${AccountId}:alias/secretguard"}
checks:
  cmk: {mode: remediate}
  required-tags: {mode: ticket}
waivers: {tagPrefix: "waive:", maxDays: 30}
`

func testBaseline(tb testing.TB) *baseline.Baseline {
	tb.Helper()
	b, err := baseline.Parse([]byte(baselineYAML))
	if err != nil {
		tb.Fatalf("baseline: %v", err)
	}
	return b
}

// snap builds a Snapshot that passes every check under testBaseline at now,
// then applies the edits.
func snap(tb testing.TB, secretARN string, edits ...func(*secret.Snapshot)) *secret.Snapshot {
	tb.Helper()
	s := &secret.Snapshot{}
	if err := s.SetARN(secretARN); err != nil {
		tb.Fatal(err)
	}
	res := strings.TrimPrefix(secretARN[strings.Index(secretARN, ":secret:"):], ":secret:")
	s.Name = res[:len(res)-7] // drop "-" and the 6 random characters
	s.KMSKeyID = "arn:" + s.Partition + ":kms:" + s.Region + ":" + s.AccountID + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	s.RotationEnabled = true
	s.RotationLambdaARN = "arn:" + s.Partition + ":lambda:" + s.Region + ":" + s.AccountID + ":function:rotate"
	s.RotationRules = secret.RotationRules{AutomaticallyAfterDays: 30}
	s.CreatedDate = now.Add(-400 * day)
	s.LastRotatedDate = now.Add(-10 * day)
	s.NextRotationDate = now.Add(20 * day)
	s.LastAccessedDate = now.Truncate(day)
	s.Tags = map[string]string{"owner": "team-a"}
	s.VersionStages = map[string][]string{"v-1": {secret.StageCurrent}, "v-0": {secret.StagePrevious}}
	s.PolicyKnown, s.ReplicasKnown = true, true
	if strings.Contains(s.Name, "dr/") {
		s.Replicas = []secret.Replica{{Region: "eu-west-1", Status: "InSync",
			KMSKeyID: "arn:aws:kms:eu-west-1:111122223333:key/0d8f1e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6"}}
	}
	s.ObservedAt = now
	for _, e := range edits {
		e(s)
	}
	return s
}
