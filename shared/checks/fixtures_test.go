package checks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// now is the time of every evaluation in these tests.
var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return now.Add(-time.Duration(n) * day) }

// ARNs of the three partitions, with names using every character a secret
// name may contain besides letters and digits.
const (
	arnAWS    = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db+main=x.y@z-prod-AbCdEf"
	arnCN     = "arn:aws-cn:secretsmanager:cn-north-1:222233334444:secret:rds/orders.primary-Gh12Ij"
	arnGov    = "arn:aws-us-gov:secretsmanager:us-gov-west-1:333344445555:secret:api-key/partner@x-Kl34Mn"
	arnEU     = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/eu=key-Op56Qr"
	keyUS     = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	keyEUID   = "0d8f1e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6"
	fnGeneric = "secretguard-generic-rotation"
)

// testBaseline is a baseline as a struct literal (ClassFor works without
// the loaders' index).
func testBaseline() *baseline.Baseline {
	fn := func(name string) string { return "arn:${Partition}:lambda:${Region}:${AccountId}:function:" + name }
	return &baseline.Baseline{
		Version: 1,
		Organization: baseline.Organization{
			ID:              "o-a1b2c3d4e5",
			AllowedAccounts: []string{"444455556666"},
			MemberAccounts:  []string{"777788889999"},
		},
		DefaultClass: "standard",
		Classes: []baseline.Class{
			{
				Name:            "database",
				Match:           baseline.Match{OwningServices: []string{"rds", "redshift"}, NamePrefixes: []string{"rds/", "db/"}},
				MaxRotationDays: 30,
				Strategy:        baseline.StrategyAlternatingUsers,
				RotationFunctions: []baseline.RotationFunction{
					{Engine: "postgres", Strategy: baseline.StrategyAlternatingUsers, ARN: fn("SecretsManagerRDSPostgreSQLRotationMultiUser")},
					{Engine: "mysql", Strategy: baseline.StrategyAlternatingUsers, ARN: fn("SecretsManagerRDSMySQLRotationMultiUser")},
				},
			},
			{Name: "api-key", Match: baseline.Match{NamePrefixes: []string{"api-key/"}}, MaxRotationDays: 7},
			{Name: "standard", MaxRotationDays: 90, RotationFunctions: []baseline.RotationFunction{{Engine: "*", ARN: fn(fnGeneric)}}},
			{Name: "dr", MaxRotationDays: 90, ReplicateTo: []string{"eu-west-1", "us-west-2"},
				RotationFunctions: []baseline.RotationFunction{{ARN: fn(fnGeneric)}}},
		},
		RequiredTags: []baseline.TagRule{
			{Key: "owner"},
			{Key: "environment", AllowedValues: []string{"prod", "staging", "dev"}},
		},
		KMS: baseline.KMS{
			AllowedKeys: map[string][]string{
				"eu-west-1": {"alias/secrets-eu", keyEUID},
			},
			DefaultKeys: map[string]string{"*": "arn:${Partition}:kms:${Region}:${AccountId}:alias/secretguard"},
		},
		Replication: baseline.Replication{Tag: "secretguard:replicate-to"},
		Unused:      baseline.DaysSetting{Days: 90},
		Rotated:     baseline.DaysSetting{Days: 90},
		Waivers:     baseline.Waivers{TagPrefix: "secretguard:waive:", MaxDays: 365},
	}
}

// snap builds a Snapshot that passes every check under testBaseline, then
// applies the edits.
func snap(t testing.TB, secretARN string, edits ...func(*secret.Snapshot)) *secret.Snapshot {
	t.Helper()
	s := &secret.Snapshot{}
	if err := s.SetARN(secretARN); err != nil {
		t.Fatal(err)
	}
	res := secretARN[strings.Index(secretARN, ":secret:")+len(":secret:"):]
	s.Name = res[:len(res)-7] // drop "-" and the 6 random characters
	s.KMSKeyID = "arn:" + s.Partition + ":kms:" + s.Region + ":" + s.AccountID + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	s.RotationEnabled = true
	s.RotationLambdaARN = "arn:" + s.Partition + ":lambda:" + s.Region + ":" + s.AccountID + ":function:" + fnGeneric
	s.RotationRules = secret.RotationRules{ScheduleExpression: "rate(30 days)"}
	s.CreatedDate = time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC)
	s.LastRotatedDate = daysAgo(10)
	s.LastChangedDate = daysAgo(10)
	s.LastAccessedDate = time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)
	s.Tags = map[string]string{"owner": "team-a", "environment": "prod"}
	s.VersionStages = map[string][]string{"v-1": {secret.StageCurrent}, "v-0": {secret.StagePrevious}}
	s.PolicyKnown, s.ReplicasKnown = true, true
	s.ObservedAt = now
	for _, e := range edits {
		e(s)
	}
	return s
}

// loadSnapshot reads a Snapshot from testdata/snapshots.
func loadSnapshot(t testing.TB, name string) *secret.Snapshot {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "snapshots", name))
	if err != nil {
		t.Fatal(err)
	}
	var s secret.Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &s
}

// policy reads a resource policy from testdata/policies.
func policy(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "policies", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkCase is one fixture of a check's table.
type checkCase struct {
	name   string
	s      func(t testing.TB) *secret.Snapshot
	b      func(*baseline.Baseline) // edits testBaseline; nil: none
	want   Compliance
	remedy string
	// has lists substrings the annotation must contain.
	has []string
}

// runCases evaluates each case through Evaluate, with the shared
// expectations of every finding.
func runCases(t *testing.T, c Check, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := testBaseline()
			if tc.b != nil {
				tc.b(b)
			}
			f := Evaluate(c, tc.s(t), b, now)
			t.Logf("%s %s: %s", f.Compliance, f.Remedy, f.Annotation)
			if f.Compliance != tc.want || f.Remedy != tc.remedy {
				t.Errorf("got %s remedy %q, want %s remedy %q: %s", f.Compliance, f.Remedy, tc.want, tc.remedy, f.Annotation)
			}
			for _, h := range tc.has {
				if !strings.Contains(f.Annotation, h) {
					t.Errorf("annotation %q lacks %q", f.Annotation, h)
				}
			}
			checkFinding(t, c, f)
		})
	}
}

// checkFinding holds what every finding must satisfy.
func checkFinding(t testing.TB, c Check, f Finding) {
	t.Helper()
	if f.Check != c.ID() {
		t.Errorf("Check = %q, want %q", f.Check, c.ID())
	}
	if f.Annotation == "" || len(f.Annotation) > MaxAnnotation || !utf8.ValidString(f.Annotation) {
		t.Errorf("bad annotation (%d bytes): %q", len(f.Annotation), f.Annotation)
	}
	if f.Remedy != "" && f.Compliance != NonCompliant {
		t.Errorf("remedy %q on a %s finding", f.Remedy, f.Compliance)
	}
}

// allCases maps each check ID to its table, for the registry test.
func allCases() map[string][]checkCase {
	return map[string][]checkCase{
		baseline.CheckRotationEnabled:  rotationEnabledCases,
		baseline.CheckRotationFunction: rotationFunctionCases,
		baseline.CheckRotationSchedule: rotationScheduleCases,
		baseline.CheckRotationHealthy:  rotationHealthyCases,
		baseline.CheckRotatedRecently:  rotatedRecentlyCases,
		baseline.CheckUnused:           unusedCases,
		baseline.CheckCMK:              cmkCases,
		baseline.CheckNoPublicPolicy:   noPublicPolicyCases,
		baseline.CheckReplication:      replicationCases,
		baseline.CheckRequiredTags:     requiredTagsCases,
	}
}

// at returns a case snapshot builder for an ARN and edits.
func at(secretARN string, edits ...func(*secret.Snapshot)) func(testing.TB) *secret.Snapshot {
	return func(t testing.TB) *secret.Snapshot { return snap(t, secretARN, edits...) }
}

// Snapshot edits shared by the tables.
func withTag(k, v string) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.Tags[k] = v }
}

func withoutTag(k string) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { delete(s.Tags, k) }
}

func rotationOff(s *secret.Snapshot) { s.RotationEnabled, s.RotationLambdaARN = false, "" }

func ownedBy(service string) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.OwningService = service }
}

func scheduled(expr string) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.RotationRules = secret.RotationRules{ScheduleExpression: expr} }
}

func edit(f func(*secret.Snapshot)) func(*secret.Snapshot) { return f }
