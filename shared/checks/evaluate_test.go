package checks

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

func TestEvaluateScheduledForDeletionIsNotApplicable(t *testing.T) {
	s := snap(t, arnAWS, rotationOff, key(""), edit(func(s *secret.Snapshot) { s.DeletedDate = time.Date(2025, 6, 10, 8, 0, 0, 0, time.UTC) }))
	for _, c := range All() {
		f := Evaluate(c, s, testBaseline(), now)
		if f.Compliance != NotApplicable || !strings.Contains(f.Annotation, "2025-06-10") || !strings.Contains(f.Annotation, "restore") {
			t.Errorf("%s: %+v", c.ID(), f)
		}
		checkFinding(t, c, f)
	}
}

func TestEvaluateGoneSecretIsNotApplicable(t *testing.T) {
	s := snap(t, arnAWS, rotationOff, edit(func(s *secret.Snapshot) { s.Gone = true }))
	for _, c := range All() {
		if f := Evaluate(c, s, testBaseline(), now); f.Compliance != NotApplicable || !strings.Contains(f.Annotation, "Deleted while being observed") {
			t.Errorf("%s: %+v", c.ID(), f)
		}
	}
}

func TestEvaluateReplicaRunsOnlyReplicaChecks(t *testing.T) {
	s := snap(t, arnEU, rotationOff, key(""), withoutTag("owner"), edit(func(s *secret.Snapshot) { s.PrimaryRegion = "us-east-1" }))
	for _, c := range All() {
		f := Evaluate(c, s, testBaseline(), now)
		primaryOnly := strings.Contains(f.Annotation, "Replica of the secret in us-east-1")
		switch {
		case c.AppliesToReplicas() && primaryOnly:
			t.Errorf("%s was not evaluated on a replica: %q", c.ID(), f.Annotation)
		case !c.AppliesToReplicas() && (f.Compliance != NotApplicable || !primaryOnly):
			t.Errorf("%s on a replica: %+v", c.ID(), f)
		}
		checkFinding(t, c, f)
	}
	if f := Evaluate(cmk{}, s, testBaseline(), now); f.Compliance != NonCompliant {
		t.Errorf("cmk on a replica on the AWS managed key: %+v", f)
	}
}

func TestEvaluateWaivers(t *testing.T) {
	waive := func(check, v string) func(*secret.Snapshot) { return withTag("secretguard:waive:"+check, v) }
	onDefaultKey := []func(*secret.Snapshot){key("")}
	for _, tc := range []struct {
		name   string
		c      Check
		edits  []func(*secret.Snapshot)
		b      func(*baseline.Baseline)
		want   Compliance
		waived bool
		has    []string
	}{
		{name: "a valid waiver makes the check not applicable with reason and date", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "2025-12-31 moving to the org key in Q4 (JIRA SEC-42)")),
			want:  NotApplicable, waived: true, has: []string{"Waived until 2025-12-31", "moving to the org key in Q4 (JIRA SEC-42)"}},
		{name: "a waiver is valid through the end of its day", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "2025-06-15 last day")), want: NotApplicable, waived: true},
		{name: "a waiver exactly maxDays ahead is valid", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "2026-06-15 a year")), want: NotApplicable, waived: true},
		{name: "an expired waiver gives the check's verdict and says it expired", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "2025-06-14 yesterday")), want: NonCompliant, has: []string{"aws/secretsmanager", "(waiver expired 2025-06-14)"}},
		{name: "a malformed date is ignored and said so", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "someday when we can")), want: NonCompliant, has: []string{"waiver tag secretguard:waive:cmk ignored"}},
		{name: "a waiver without reason is ignored", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "2025-12-31  ")), want: NonCompliant, has: []string{"no reason given"}},
		{name: "a waiver beyond maxDays is ignored", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "2026-06-16 forever and a day")), want: NonCompliant, has: []string{"more than 365 days ahead"}},
		{name: "a waiver of another check does not apply", c: cmk{},
			edits: append(onDefaultKey, waive("unused", "2025-12-31 fine")), want: NonCompliant},
		{name: "an expired waiver on a compliant secret is mentioned", c: cmk{},
			edits: []func(*secret.Snapshot){waive("cmk", "2025-01-01 old")}, want: Compliant, has: []string{"(waiver expired 2025-01-01)"}},
		{name: "without a waiver tag prefix waivers do not exist", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "2025-12-31 reason")), b: func(b *baseline.Baseline) { b.Waivers.TagPrefix = "" },
			want: NonCompliant},
		{name: "without maxDays any future date is valid", c: cmk{},
			edits: append(onDefaultKey, waive("cmk", "2099-12-31 legacy")), b: func(b *baseline.Baseline) { b.Waivers.MaxDays = 0 },
			want: NotApplicable, waived: true},
		{name: "the waiver note survives a long annotation", c: requiredTags{},
			edits: []func(*secret.Snapshot){waive("required-tags", "2025-06-01 expired")}, b: manyRequiredTags(80),
			want: NonCompliant, has: []string{"Missing required tags", "(waiver expired 2025-06-01)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := testBaseline()
			if tc.b != nil {
				tc.b(b)
			}
			f := Evaluate(tc.c, snap(t, arnAWS, tc.edits...), b, now)
			if f.Compliance != tc.want || f.Waived != tc.waived {
				t.Errorf("got %s waived=%v, want %s waived=%v: %q", f.Compliance, f.Waived, tc.want, tc.waived, f.Annotation)
			}
			for _, h := range tc.has {
				if !strings.Contains(f.Annotation, h) {
					t.Errorf("annotation %q lacks %q", f.Annotation, h)
				}
			}
			if tc.waived && f.Remedy != "" {
				t.Errorf("a waived finding has remedy %q", f.Remedy)
			}
			checkFinding(t, tc.c, f)
		})
	}
}

func manyRequiredTags(n int) func(*baseline.Baseline) {
	return func(b *baseline.Baseline) {
		for i := range n {
			b.RequiredTags = append(b.RequiredTags, baseline.TagRule{Key: fmt.Sprintf("cost-allocation/department-%03d", i)})
		}
	}
}

// TestAnnotationsStayWithinLimit evaluates every check on random, oversized
// inputs: huge tag lists, long multi-byte values, names and waiver reasons.
func TestAnnotationsStayWithinLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	long := func(n int) string {
		var sb strings.Builder
		for sb.Len() < n {
			sb.WriteString([]string{"é", "密钥", "x", "🔑", "-", " "}[rng.IntN(6)])
		}
		return sb.String()
	}
	policies := []string{"public.json", "foreign_account.json", "foreign_org.json", "allowed_cross_account.json", "unparseable.json", "federated.json"}
	exprs := []string{"rate(30 days)", "cron(0 0 ? * 6#1 2025-2026)", "cron(" + long(300) + ")", "rate(" + long(200) + ")", ""}
	for i := range 300 {
		b := testBaseline()
		manyRequiredTags(rng.IntN(300))(b)
		b.RequiredTags = append(b.RequiredTags, baseline.TagRule{Key: long(100), AllowedValues: []string{long(80), long(80), long(80)}})
		b.KMS.AllowedKeys["*"] = []string{long(200), long(200), long(200)}
		s := snap(t, []string{arnAWS, arnCN, arnGov, arnEU}[i%4], func(s *secret.Snapshot) {
			s.Name = long(512)
			for j := range rng.IntN(50) {
				s.Tags[fmt.Sprintf("%s-%d", long(120), j)] = long(256)
			}
			s.Tags[b.RequiredTags[len(b.RequiredTags)-1].Key] = long(256)
			s.Tags["secretguard:replicate-to"] = strings.Repeat("ap-southeast-9 ", 40) + long(100)
			s.Tags[baseline.EngineTag] = long(200)
			s.Tags["secretguard:waive:"+All()[i%len(All())].ID()] = []string{"2025-12-31 ", "2024-01-01 ", "x"}[i%3] + long(400)
			s.KMSKeyID = []string{"", long(300)}[i%2]
			s.OwningService = []string{"", long(100)}[rng.IntN(2)]
			s.RotationEnabled = rng.IntN(2) == 0
			s.RotationLambdaARN = long(300)
			s.RotationRules = secret.RotationRules{ScheduleExpression: exprs[rng.IntN(len(exprs))], Duration: long(10)}
			s.VersionStages = map[string][]string{long(64): {secret.StagePending}, long(64): {secret.StageCurrent}}
			s.ResourcePolicy = policy(t, policies[rng.IntN(len(policies))])
			s.Replicas = []secret.Replica{{Region: long(50), KMSKeyID: long(200), Status: long(40), StatusMessage: long(500)}}
			s.LastAccessedDate, s.LastRotatedDate = time.Time{}, time.Time{}
		})
		for _, c := range All() {
			f := Evaluate(c, s, b, now)
			if len(f.Annotation) > MaxAnnotation || !utf8.ValidString(f.Annotation) || f.Annotation == "" {
				t.Fatalf("%s: %d bytes: %q", c.ID(), len(f.Annotation), f.Annotation)
			}
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, s := range []string{"", "short", strings.Repeat("a", 256), strings.Repeat("a", 257), strings.Repeat("é", 200), strings.Repeat("🔑", 100)} {
		got := Truncate(s)
		if len(got) > MaxAnnotation || !utf8.ValidString(got) || (len(s) <= MaxAnnotation && got != s) {
			t.Errorf("Truncate(%d bytes) = %d bytes %q", len(s), len(got), got)
		}
		if len(s) > MaxAnnotation && !strings.HasSuffix(got, "…") {
			t.Errorf("Truncate(%d bytes) does not end with an ellipsis", len(s))
		}
	}
	if got := truncateTo("abcdef", 2); got != "" {
		t.Errorf("truncateTo below the ellipsis = %q", got)
	}
}
