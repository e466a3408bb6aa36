package checks

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/credscan"
	"github.com/secretguard/secretguard/shared/workload"
)

func TestResourceRegistryMatchesBaseline(t *testing.T) {
	idRE := regexp.MustCompile(`^[a-z0-9-]+$`)
	types := []string{workload.TypeFunction, workload.TypeTaskDefinition, workload.TypeAccount}
	for _, c := range AllResource() {
		if !idRE.MatchString(c.ID()) {
			t.Errorf("check ID %q does not match %s", c.ID(), idRE)
		}
		if doc := c.Doc(); doc == "" || !strings.HasSuffix(doc, ".") || strings.Contains(doc, "\n") {
			t.Errorf("%s: Doc %q must be one line ending with a period", c.ID(), doc)
		}
		if !slices.Contains(types, c.ResourceType()) {
			t.Errorf("%s: resource type %q", c.ID(), c.ResourceType())
		}
		if len(c.IAMActions()) == 0 {
			t.Errorf("%s declares no IAM actions", c.ID())
		}
		if (c.ResourceType() == workload.TypeAccount) != c.Needs().Any() {
			t.Errorf("%s: account checks (and only they) need account data: %+v", c.ID(), c.Needs())
		}
		if c.Fix(fnRes(nil)) == "" {
			t.Errorf("%s has no fix recipe", c.ID())
		}
	}
	want := slices.Clone(baseline.ResourceCheckIDs)
	slices.Sort(want)
	if !slices.Equal(ResourceIDs(), want) {
		t.Errorf("ResourceIDs() = %v, baseline.ResourceCheckIDs = %v", ResourceIDs(), want)
	}
	for _, id := range IDs() {
		if _, ok := ResourceByID(id); ok {
			t.Errorf("%s is in both registries", id)
		}
	}
	if len(AllIDs()) != len(IDs())+len(ResourceIDs()) {
		t.Error("AllIDs is not the union")
	}
}

func TestBuildResourcePanicsOnDuplicateID(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("buildResource accepted an ID of the secret registry")
		}
	}()
	buildResource(dupOfSecret{})
}

type dupOfSecret struct{ caching }

func (dupOfSecret) ID() string { return baseline.CheckCMK }

func TestSelectAny(t *testing.T) {
	cs, rs, err := SelectAny(nil)
	if err != nil || len(cs) != len(All()) || len(rs) != len(AllResource()) {
		t.Errorf("SelectAny(nil) = %d, %d, %v", len(cs), len(rs), err)
	}
	cs, rs, err = SelectAny([]string{baseline.CheckCMK, baseline.CheckVPCEndpoint, baseline.CheckCaching})
	if err != nil || len(cs) != 1 || len(rs) != 2 || rs[1].ID() != baseline.CheckCaching {
		t.Errorf("SelectAny = %v, %v, %v", cs, rs, err)
	}
	if _, _, err := SelectAny([]string{"vpc-endpoints"}); err == nil || !strings.Contains(err.Error(), `"vpc-endpoints"`) || !strings.Contains(err.Error(), "caching") {
		t.Errorf("SelectAny(typo) err = %v", err)
	}
	if n := AccountNeedsOf(rs); n != (workload.AccountNeeds{Network: true, Usage: true}) {
		t.Errorf("AccountNeedsOf = %+v", n)
	}
}

func TestResourceChecks(t *testing.T) {
	cases := resourceCases()
	if len(cases) != len(AllResource()) {
		t.Errorf("fixtures for %d checks, registry has %d", len(cases), len(AllResource()))
	}
	for _, c := range AllResource() {
		seen := map[Compliance]bool{}
		for _, tc := range cases[c.ID()] {
			t.Run(c.ID()+"/"+tc.name, func(t *testing.T) {
				b := resBaseline()
				if tc.b != nil {
					tc.b(b)
				}
				f := EvaluateResource(c, tc.r, b, now)
				seen[f.Compliance] = true
				if f.Compliance != tc.want {
					t.Errorf("compliance %s, want %s: %s", f.Compliance, tc.want, f.Annotation)
				}
				for _, h := range tc.has {
					if !strings.Contains(f.Annotation, h) {
						t.Errorf("annotation %q lacks %q", f.Annotation, h)
					}
				}
				checkFindingShape(t, c.ID(), f)
				if f2 := EvaluateResource(c, tc.r, b, now); f2 != f {
					t.Errorf("not pure: %+v then %+v", f, f2)
				}
				assertNoValue(t, tc.r, f.Annotation+c.Fix(tc.r))
			})
		}
		if !seen[Compliant] || !seen[NonCompliant] {
			t.Errorf("%s: fixtures cover %v; want COMPLIANT and NON_COMPLIANT", c.ID(), seen)
		}
	}
}

func checkFindingShape(t *testing.T, id string, f Finding) {
	t.Helper()
	if f.Check != id || len(f.Annotation) > MaxAnnotation || !utf8.ValidString(f.Annotation) || f.Annotation == "" {
		t.Errorf("finding %+v: wrong check, empty, invalid or longer than %d bytes", f, MaxAnnotation)
	}
	if f.Remedy != "" && f.Compliance != NonCompliant {
		t.Errorf("finding %+v: a remedy on a verdict that is not NON_COMPLIANT", f)
	}
}

// assertNoValue fails when text holds any environment or parameter value
// of r longer than 3 bytes.
func assertNoValue(t *testing.T, r *workload.Resource, text string) {
	t.Helper()
	var values []string
	if r.Function != nil {
		for _, v := range r.Function.Env {
			values = append(values, v.Value)
		}
	}
	if r.TaskDefinition != nil {
		for _, c := range r.TaskDefinition.Containers {
			for _, v := range c.Env {
				values = append(values, v.Value)
			}
		}
	}
	if r.Account != nil {
		for _, p := range r.Account.Parameters {
			values = append(values, p.Value)
		}
	}
	for _, v := range values {
		if len(v) > 3 && strings.Contains(text, v) {
			t.Errorf("output carries a scanned value: %q", text)
		}
	}
}

func TestEvaluateResourceShared(t *testing.T) {
	b := resBaseline()
	leaky := fnRes(map[string]string{"GH": ghToken})
	c := noPlaintextLambdaEnv{}
	if f := EvaluateResource(c, &workload.Resource{Type: workload.TypeFunction, Gone: true}, b, now); f.Compliance != NotApplicable || !strings.Contains(f.Annotation, "Deleted") {
		t.Errorf("gone: %+v", f)
	}
	if f := EvaluateResource(c, tdRes(), b, now); f.Compliance != NotApplicable || !strings.Contains(f.Annotation, "AWS::Lambda::Function, not AWS::ECS::TaskDefinition") {
		t.Errorf("wrong type: %+v", f)
	}
	expired := fnRes(map[string]string{"GH": ghToken}, func(r *workload.Resource) {
		r.Tags = map[string]string{"secretguard:waive:no-plaintext-lambda-env": "2025-01-01 old"}
	})
	if f := EvaluateResource(c, expired, b, now); f.Compliance != NonCompliant || !strings.HasSuffix(f.Annotation, "(waiver expired 2025-01-01)") {
		t.Errorf("expired waiver: %+v", f)
	}
	// An account waiver reaches functions too; a Region-scoped one only its Region.
	b.Waivers.Accounts = map[string]map[string]string{acct + ":eu-west-1": {c.ID(): "2025-12-31 eu only"}}
	if f := EvaluateResource(c, leaky, b, now); f.Compliance != NonCompliant {
		t.Errorf("eu-west-1 waiver applied in us-east-1: %+v", f)
	}
	b.Waivers.Accounts = map[string]map[string]string{acct: {c.ID(): "2025-12-31 whole account"}}
	if f := EvaluateResource(c, leaky, b, now); !f.Waived {
		t.Errorf("account waiver ignored: %+v", f)
	}
	b.Waivers.Accounts = map[string]map[string]string{acct: {c.ID(): "2027-12-31 too far"}}
	if f := EvaluateResource(c, leaky, b, now); f.Waived || !strings.Contains(f.Annotation, "more than 365 days ahead") {
		t.Errorf("too-far account waiver: %+v", f)
	}
	if f := EvaluateResource(caching{}, acctRes(hourly(1)), b, now); f.Compliance != Compliant {
		t.Errorf("account waiver for another check applied: %+v", f)
	}
}

// Bad input: functions with no environment, huge environments, binary
// values, hundreds of containers — clear findings, never a panic.
func TestResourceBadInput(t *testing.T) {
	b := resBaseline()
	huge := map[string]string{}
	for i := range 2000 {
		huge[strings.Repeat("V", 10)+string(rune('A'+i%26))+strings.Repeat("x", i%7)+string(rune('0'+i%10))+"_"+strings.Repeat("y", i/100)] = strings.Repeat("z", 100)
	}
	huge["BLOB_SECRET"] = "\x00\xff\xfe\x80\x01\x02\x03\xc3\x28\x9f\x92\x96\x00\x10\x7f\xee\xdd"
	huge["\xff\xfeNAME"] = ghToken
	f := EvaluateResource(noPlaintextLambdaEnv{}, fnRes(huge), b, now)
	if f.Compliance != NonCompliant || !utf8.ValidString(f.Annotation) || len(f.Annotation) > MaxAnnotation {
		t.Errorf("huge env: %+v", f)
	}
	if !strings.Contains(f.Annotation, "BLOB_SECRET (high-entropy") && !strings.Contains(f.Annotation, "(unprintable name) (GitHub token)") {
		t.Errorf("huge env annotation %q names neither leak", f.Annotation)
	}
	var cs []workload.Container
	for i := range 300 {
		cs = append(cs, container(strings.Repeat("c", i%50+1), "DATABASE_URL", leakURL))
	}
	f = EvaluateResource(noPlaintextECSEnv{}, tdRes(cs...), b, now)
	if f.Compliance != NonCompliant || !strings.Contains(f.Annotation, "300 entries hold") || len(f.Annotation) > MaxAnnotation {
		t.Errorf("300 containers: %+v", f)
	}
	empty := &workload.Resource{Type: workload.TypeAccount, AccountID: acct, Region: "us-east-1"}
	for _, c := range AllResource() {
		if c.ResourceType() != workload.TypeAccount {
			continue
		}
		if f := EvaluateResource(c, empty, b, now); f.Compliance != NotApplicable {
			t.Errorf("%s on an account with nothing observed: %+v", c.ID(), f)
		}
	}
	if f := EvaluateResource(noPlaintextLambdaEnv{}, &workload.Resource{Type: workload.TypeFunction}, b, now); f.Compliance != NotApplicable {
		t.Errorf("function without configuration: %+v", f)
	}
}

// FuzzLambdaAnnotation: whatever a function's environment holds, the
// finding and the fix never carry any part of a value longer than 3 bytes
// (names and the fixed text aside).
func FuzzLambdaAnnotation(f *testing.F) {
	for _, s := range []string{"", leakPW, leakURL, ghToken, "\x00\xff", "DB_PASSWORD", "Server=db;Password=Zx81Spec;"} {
		f.Add("DB_PASSWORD", s)
		f.Add("LOG_LEVEL", s)
	}
	b := resBaseline()
	f.Fuzz(func(t *testing.T, name, value string) {
		r := fnRes(nil)
		r.Function.Env = []credscan.Var{{Name: name, Value: value}}
		out := EvaluateResource(noPlaintextLambdaEnv{}, r, b, now)
		checkFindingShape(t, baseline.CheckNoPlaintextLambdaEnv, out)
		// The annotation is one of the texts made of the name and a kind
		// label alone, so nothing of the value can be in it.
		allowed := []string{"1 environment variable, none holds a credential."}
		for _, k := range credscan.Kinds {
			allowed = append(allowed, Truncate("1 variable holds a credential: "+credscan.ShowName(name)+" ("+string(k)+
				"). Move each to a Secrets Manager secret read at run time; false positives go in plaintext.allow."))
		}
		if !slices.Contains(allowed, out.Annotation) {
			t.Fatalf("annotation %q is not one of the fixed texts", out.Annotation)
		}
		rest := strings.Replace(out.Annotation, credscan.ShowName(name), "", 1)
		for i := 0; i+4 <= len(value); i++ {
			if w := value[i : i+4]; strings.Contains(rest, w) && !strings.Contains(strings.Join(allowed, "\n"), w) {
				t.Fatalf("annotation %q carries %q from the value", out.Annotation, w)
			}
		}
		if reflect.DeepEqual(out, Finding{}) {
			t.Fatal("empty finding")
		}
	})
}
