package scan_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// byCheck indexes results by check ID, failing on a duplicate.
func byCheck(t *testing.T, rs []scan.Result) map[string]scan.Result {
	t.Helper()
	m := make(map[string]scan.Result, len(rs))
	for _, r := range rs {
		if _, dup := m[r.Check]; dup {
			t.Fatalf("two results for check %s", r.Check)
		}
		m[r.Check] = r
	}
	return m
}

func TestEvaluateCompliantInEveryPartition(t *testing.T) {
	b := testBaseline(t)
	tests := []struct {
		arn, name, partition, region, account string
	}{
		{arnAWS, "app/db+main=x.y@z-prod", "aws", "us-east-1", "111122223333"},
		{arnCN, "app/orders.primary@cn", "aws-cn", "cn-north-1", "222233334444"},
		{arnGov, "app/partner=x+y", "aws-us-gov", "us-gov-west-1", "333344445555"},
	}
	for _, tt := range tests {
		t.Run(tt.partition, func(t *testing.T) {
			sn := snap(t, tt.arn)
			if sn.Partition != tt.partition {
				t.Fatalf("partition %q, want %q", sn.Partition, tt.partition)
			}
			rs := scan.Evaluate(sn, checks.All(), b, now)
			if len(rs) != len(checks.IDs()) {
				t.Fatalf("%d results, want one per check (%d)", len(rs), len(checks.IDs()))
			}
			for i, r := range rs {
				if r.Check != checks.All()[i].ID() {
					t.Errorf("result %d is %s, want registry order (%s)", i, r.Check, checks.All()[i].ID())
				}
				if r.SecretARN != tt.arn || r.SecretName != tt.name || r.Region != tt.region || r.AccountID != tt.account {
					t.Errorf("%s: identity %q %q %q %q", r.Check, r.SecretARN, r.SecretName, r.Region, r.AccountID)
				}
				if r.Compliance != checks.Compliant || r.Incomplete || r.Waived || r.Remedy != "" {
					t.Errorf("%s: %s incomplete=%v waived=%v remedy=%q: %s", r.Check, r.Compliance, r.Incomplete, r.Waived, r.Remedy, r.Annotation)
				}
				if !r.EvaluatedAt.Equal(now) {
					t.Errorf("%s: EvaluatedAt %v", r.Check, r.EvaluatedAt)
				}
			}
			// The expected ARNs are built from the secret's own partition.
			rf := byCheck(t, rs)[baseline.CheckRotationFunction]
			if want := "arn:" + tt.partition + ":lambda:" + tt.region + ":" + tt.account + ":function:rotate"; !strings.Contains(rf.Annotation, want) {
				t.Errorf("rotation-function annotation %q does not name %s", rf.Annotation, want)
			}
		})
	}
}

// The default key named by a cmk finding carries the secret's partition.
func TestEvaluatePartitionInRemedyTarget(t *testing.T) {
	b := testBaseline(t)
	for _, a := range []string{arnCN, arnGov} {
		sn := snap(t, a, func(s *secret.Snapshot) { s.KMSKeyID = "" })
		r := byCheck(t, scan.Evaluate(sn, checks.All(), b, now))[baseline.CheckCMK]
		want := "arn:" + sn.Partition + ":kms:" + sn.Region + ":" + sn.AccountID + ":alias/secretguard"
		if r.Compliance != checks.NonCompliant || r.Remedy != baseline.RemedyUseCMK || !strings.Contains(r.Annotation, want) {
			t.Errorf("%s: %s %q %q, want NON_COMPLIANT use-cmk naming %s", sn.Partition, r.Compliance, r.Remedy, r.Annotation, want)
		}
	}
}

func TestEvaluateGone(t *testing.T) {
	b := testBaseline(t)
	sn := snap(t, arnAWS, func(s *secret.Snapshot) {
		s.Gone = true
		s.PolicyKnown, s.ReplicasKnown = false, false
		s.Problem = "GetResourcePolicy: ResourceNotFoundException: gone"
	})
	rs := scan.Evaluate(sn, checks.All(), b, now)
	if len(rs) != len(checks.IDs()) {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if r.Compliance != checks.NotApplicable || r.Incomplete || r.Waived || r.Remedy != "" || !strings.Contains(r.Annotation, "deleted") {
			t.Errorf("%s: %+v, want NOT_APPLICABLE (deleted), complete", r.Check, r)
		}
		if r.SecretARN != arnAWS || r.Mode != b.Mode(r.Check) {
			t.Errorf("%s: ARN %q mode %q", r.Check, r.SecretARN, r.Mode)
		}
	}
}

func TestEvaluateIncomplete(t *testing.T) {
	b := testBaseline(t)
	denied := "GetResourcePolicy: missing permission secretsmanager:GetResourcePolicy (AccessDeniedException)"
	future := now.Add(5 * day).Format(time.DateOnly)
	tests := []struct {
		name string
		sn   *secret.Snapshot
		// incomplete lists the checks whose result must be Incomplete (and
		// NOT_APPLICABLE); every other result must not be.
		incomplete []string
		// na lists further checks that must be NOT_APPLICABLE but complete.
		na []string
	}{
		{
			name: "policy not readable",
			sn: snap(t, arnAWS, func(s *secret.Snapshot) {
				s.PolicyKnown, s.Problem = false, denied
			}),
			incomplete: []string{baseline.CheckNoPublicPolicy},
		},
		{
			name: "replication status not readable",
			sn: snap(t, arnDR, func(s *secret.Snapshot) {
				s.ReplicasKnown, s.Replicas, s.Problem = false, nil, "DescribeSecret: ThrottlingException: slow down"
			}),
			incomplete: []string{baseline.CheckReplication},
		},
		{
			// No Problem: the data was not asked for, not unreadable.
			name: "policy not requested",
			sn:   snap(t, arnAWS, func(s *secret.Snapshot) { s.PolicyKnown = false }),
			na:   []string{baseline.CheckNoPublicPolicy},
		},
		{
			// A valid waiver decides the verdict whatever the policy says.
			name: "waived check with unreadable policy",
			sn: snap(t, arnAWS, func(s *secret.Snapshot) {
				s.PolicyKnown, s.Problem = false, denied
				s.Tags["waive:no-public-policy"] = future + " shared with a vendor"
			}),
			na: []string{baseline.CheckNoPublicPolicy},
		},
		{
			// Replication is evaluated on the primary: a replica's replication
			// result is not applicable, known status or not.
			name: "replica with a problem",
			sn: snap(t, arnDRReplica, func(s *secret.Snapshot) {
				s.PrimaryRegion = "us-east-1"
				s.Replicas, s.ReplicasKnown = nil, false
				s.Problem = "DescribeSecret: InternalServiceError: boom"
			}),
			na: []string{baseline.CheckReplication, baseline.CheckRotationEnabled},
		},
		{
			name: "scheduled for deletion",
			sn: snap(t, arnAWS, func(s *secret.Snapshot) {
				s.DeletedDate = now.Add(-2 * day)
				s.PolicyKnown, s.Problem = false, denied
			}),
			na: checks.IDs(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sum scan.Summary
			rs := scan.Evaluate(tt.sn, checks.All(), b, now)
			sum.Add(rs)
			for _, r := range rs {
				want := slices.Contains(tt.incomplete, r.Check)
				if r.Incomplete != want {
					t.Errorf("%s: Incomplete %v, want %v (%s %s)", r.Check, r.Incomplete, want, r.Compliance, r.Annotation)
				}
				if (want || slices.Contains(tt.na, r.Check)) && r.Compliance != checks.NotApplicable {
					t.Errorf("%s: %s, want NOT_APPLICABLE: %s", r.Check, r.Compliance, r.Annotation)
				}
			}
			if sum.Incomplete != len(tt.incomplete) {
				t.Errorf("Summary.Incomplete %d, want %d", sum.Incomplete, len(tt.incomplete))
			}
			if len(tt.incomplete) > 0 {
				r := byCheck(t, rs)[tt.incomplete[0]]
				if p := strings.SplitN(tt.sn.Problem, ":", 2)[1]; !strings.Contains(r.Annotation, strings.TrimSpace(p)) {
					t.Errorf("annotation %q does not say what failed (%q)", r.Annotation, tt.sn.Problem)
				}
			}
		})
	}
}

func TestEvaluateWaivers(t *testing.T) {
	b := testBaseline(t)
	until := now.Add(10 * day).Format(time.DateOnly)
	tests := []struct {
		name    string
		tag     string
		want    checks.Compliance
		waived  bool
		remedy  string
		contain string
	}{
		{"valid", until + " moving to a CMK in Q3", checks.NotApplicable, true, "", "Waived until " + until + ": moving to a CMK in Q3"},
		{"expired", "2025-06-01 moving to a CMK", checks.NonCompliant, false, baseline.RemedyUseCMK, "waiver expired 2025-06-01"},
		{"too far ahead", now.Add(60*day).Format(time.DateOnly) + " later", checks.NonCompliant, false, baseline.RemedyUseCMK, "more than 30 days ahead"},
		{"no reason", until, checks.NonCompliant, false, baseline.RemedyUseCMK, "no reason given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sn := snap(t, arnAWS, func(s *secret.Snapshot) {
				s.KMSKeyID = ""
				s.Tags["waive:cmk"] = tt.tag
			})
			got := byCheck(t, scan.Evaluate(sn, checks.All(), b, now))
			r := got[baseline.CheckCMK]
			if r.Compliance != tt.want || r.Waived != tt.waived || r.Remedy != tt.remedy || !strings.Contains(r.Annotation, tt.contain) {
				t.Errorf("cmk: %s waived=%v remedy=%q %q; want %s waived=%v remedy=%q containing %q",
					r.Compliance, r.Waived, r.Remedy, r.Annotation, tt.want, tt.waived, tt.remedy, tt.contain)
			}
			// A waiver is per check: the others are untouched.
			for id, o := range got {
				if id != baseline.CheckCMK && (o.Compliance != checks.Compliant || o.Waived) {
					t.Errorf("%s: %s waived=%v", id, o.Compliance, o.Waived)
				}
			}
		})
	}
}

func TestEvaluateModeFromBaseline(t *testing.T) {
	b := testBaseline(t)
	rs := byCheck(t, scan.Evaluate(snap(t, arnAWS), checks.All(), b, now))
	want := map[string]string{baseline.CheckCMK: baseline.ModeRemediate, baseline.CheckRequiredTags: baseline.ModeTicket}
	for _, id := range checks.IDs() {
		w := want[id]
		if w == "" {
			w = baseline.ModeReport
		}
		if rs[id].Mode != w {
			t.Errorf("%s: mode %q, want %q", id, rs[id].Mode, w)
		}
	}
	// The embedded default sets modes too.
	d := baseline.Default()
	for _, r := range scan.Evaluate(snap(t, arnAWS), checks.All(), d, now) {
		if r.Mode != d.Mode(r.Check) || r.Mode == "" {
			t.Errorf("default baseline: %s mode %q, want %q", r.Check, r.Mode, d.Mode(r.Check))
		}
	}
}

func TestEvaluateSelectedChecksOnly(t *testing.T) {
	b := testBaseline(t)
	cs, err := checks.Select([]string{baseline.CheckRequiredTags, baseline.CheckCMK})
	if err != nil {
		t.Fatal(err)
	}
	rs := scan.Evaluate(snap(t, arnAWS), cs, b, now)
	if len(rs) != 2 || rs[0].Check != baseline.CheckRequiredTags || rs[1].Check != baseline.CheckCMK {
		t.Fatalf("results %+v, want required-tags then cmk", rs)
	}
	if rs := scan.Evaluate(snap(t, arnAWS), nil, b, now); len(rs) != 0 {
		t.Fatalf("no checks: %d results", len(rs))
	}
}

func TestScannerClock(t *testing.T) {
	b := testBaseline(t)
	sc := &scan.Scanner{Baseline: b, Checks: checks.All(), Now: func() time.Time { return now }}
	for _, r := range sc.Evaluate(snap(t, arnAWS)) {
		if !r.EvaluatedAt.Equal(now) || r.Compliance != checks.Compliant {
			t.Errorf("%s: %s at %v", r.Check, r.Compliance, r.EvaluatedAt)
		}
	}
	// Without Now, the wall clock: a secret last rotated in 2025 is stale by then.
	sc.Now = nil
	r := byCheck(t, sc.Evaluate(snap(t, arnAWS)))[baseline.CheckRotatedRecently]
	if time.Since(r.EvaluatedAt) > time.Minute || r.EvaluatedAt.Location() != time.UTC {
		t.Errorf("EvaluatedAt %v, want the wall clock in UTC", r.EvaluatedAt)
	}
}

func TestSummary(t *testing.T) {
	b := testBaseline(t)
	var sum scan.Summary
	sum.Add(nil) // no results: still usable
	if sum.ByCheck == nil || sum.Compliant+sum.NonCompliant+sum.NotApplicable != 0 {
		t.Fatalf("empty summary %+v", sum)
	}
	good := scan.Evaluate(snap(t, arnAWS), checks.All(), b, now)
	bad := scan.Evaluate(snap(t, arnCN, func(s *secret.Snapshot) {
		s.KMSKeyID = ""           // cmk
		delete(s.Tags, "owner")   // required-tags
		s.RotationEnabled = false // rotation-enabled; function, schedule, healthy: N/A
	}), checks.All(), b, now)
	gone := scan.Evaluate(snap(t, arnGov, func(s *secret.Snapshot) { s.Gone = true }), checks.All(), b, now)
	incomplete := scan.Evaluate(snap(t, arnAWS, func(s *secret.Snapshot) {
		s.PolicyKnown, s.Problem = false, "GetResourcePolicy: missing permission"
	}), checks.All(), b, now)
	for _, rs := range [][]scan.Result{good, bad, gone, incomplete} {
		sum.Add(rs)
	}
	// good: 10 compliant; bad: 3 non-compliant, 3 not applicable (the
	// rotation checks that need rotation on), 4 compliant; gone: 10 not
	// applicable; incomplete: 1 not applicable (incomplete), 9 compliant.
	want := scan.Summary{
		Compliant:     10 + 4 + 9,
		NonCompliant:  3,
		NotApplicable: 3 + 10 + 1,
		Incomplete:    1,
		ByCheck:       map[string]int{baseline.CheckCMK: 1, baseline.CheckRequiredTags: 1, baseline.CheckRotationEnabled: 1},
	}
	if !reflect.DeepEqual(sum, want) {
		t.Fatalf("summary\n got %+v\nwant %+v", sum, want)
	}
	if total := sum.Compliant + sum.NonCompliant + sum.NotApplicable; total != 40 {
		t.Fatalf("%d results counted, want 40", total)
	}
	// The JSON names are part of the CLI's contract.
	data, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"secrets":`, `"compliant":23`, `"nonCompliant":3`, `"notApplicable":14`, `"incomplete":1`, `"nonCompliantByCheck":{`} {
		if !strings.Contains(string(data), k) {
			t.Errorf("summary JSON %s lacks %s", data, k)
		}
	}
}

func TestNeeds(t *testing.T) {
	b := testBaseline(t)
	primary := snap(t, arnDR)
	replica := snap(t, arnDRReplica, func(s *secret.Snapshot) { s.PrimaryRegion = "us-east-1" })
	deleting := snap(t, arnDR, func(s *secret.Snapshot) { s.DeletedDate = now })
	standard := snap(t, arnAWS)
	tagged := snap(t, arnAWS, func(s *secret.Snapshot) { s.Tags["secretguard:replicate-to"] = "us-west-2" })
	tests := []struct {
		ids      []string
		policy   bool
		replicas bool
	}{
		{nil, true, true}, // all checks
		{[]string{baseline.CheckCMK}, false, false},
		{[]string{baseline.CheckNoPublicPolicy}, true, false},
		{[]string{baseline.CheckReplication}, false, true},
		{[]string{baseline.CheckRotationEnabled, baseline.CheckRequiredTags, baseline.CheckUnused}, false, false},
		{[]string{baseline.CheckCMK, baseline.CheckNoPublicPolicy, baseline.CheckReplication}, true, true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.ids, "+"), func(t *testing.T) {
			cs, err := checks.Select(tt.ids)
			if err != nil {
				t.Fatal(err)
			}
			n := (&scan.Scanner{Baseline: b, Checks: cs}).Needs()
			if n.Policy != tt.policy || (n.Replicas != nil) != tt.replicas {
				t.Fatalf("Needs: policy %v replicas %v; want %v %v", n.Policy, n.Replicas != nil, tt.policy, tt.replicas)
			}
			if n.Replicas == nil {
				return
			}
			// DescribeSecret only for primaries the baseline wants replicated.
			for _, c := range []struct {
				what string
				sn   *secret.Snapshot
				want bool
			}{
				{"class dr", primary, true},
				{"replica", replica, false},
				{"scheduled for deletion", deleting, false},
				{"class standard", standard, false},
				{"replication tag", tagged, true},
			} {
				if got := n.Replicas(c.sn); got != c.want {
					t.Errorf("Replicas(%s) = %v, want %v", c.what, got, c.want)
				}
			}
		})
	}
}

// The JSON form of a Result is the contract of scan --output json.
func TestResultJSONKeys(t *testing.T) {
	b := testBaseline(t)
	r := scan.Evaluate(snap(t, arnGov, func(s *secret.Snapshot) { s.KMSKeyID = "" }), []checks.Check{mustCheck(t, baseline.CheckCMK)}, b, now)[0]
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"secretArn": arnGov, "secretName": "app/partner=x+y", "region": "us-gov-west-1", "accountId": "333344445555",
		"check": "cmk", "compliance": "NON_COMPLIANT", "remedy": "use-cmk", "mode": "remediate",
		"evaluatedAt": "2025-06-15T12:00:00Z",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if a, _ := m["annotation"].(string); a == "" {
		t.Errorf("annotation missing: %s", data)
	}
	for _, k := range []string{"waived", "incomplete"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s present when false: %s", k, data)
		}
	}
}

func mustCheck(t *testing.T, id string) checks.Check {
	t.Helper()
	c, ok := checks.ByID(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return c
}
