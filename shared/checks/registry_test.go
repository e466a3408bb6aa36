package checks

import (
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

func TestRegistryMatchesBaselineCheckIDs(t *testing.T) {
	idRE := regexp.MustCompile(`^[a-z0-9-]+$`)
	var ids []string
	for _, c := range All() {
		if !idRE.MatchString(c.ID()) {
			t.Errorf("check ID %q does not match %s", c.ID(), idRE)
		}
		doc := c.Doc()
		if doc == "" || !strings.HasSuffix(doc, ".") || strings.Contains(doc, "\n") {
			t.Errorf("%s: Doc %q must be one non-empty line ending with a period", c.ID(), doc)
		}
		ids = append(ids, c.ID())
	}
	want := slices.Clone(baseline.CheckIDs)
	slices.Sort(want)
	if !slices.Equal(IDs(), want) {
		t.Errorf("IDs() = %v, baseline.CheckIDs = %v", IDs(), want)
	}
	if len(ids) != len(want) {
		t.Errorf("registry has %d checks, baseline.CheckIDs %d", len(ids), len(want))
	}
}

func TestEveryCheckHasCompliantAndNonCompliantFixtures(t *testing.T) {
	cases := allCases()
	for _, c := range All() {
		seen := map[Compliance]bool{}
		for _, tc := range cases[c.ID()] {
			seen[tc.want] = true
		}
		if !seen[Compliant] || !seen[NonCompliant] {
			t.Errorf("%s: fixtures cover %v; want COMPLIANT and NON_COMPLIANT", c.ID(), seen)
		}
	}
	if len(cases) != len(All()) {
		t.Errorf("fixture tables for %d checks, registry has %d", len(cases), len(All()))
	}
}

func TestBuildPanicsOnDuplicateOrEmptyID(t *testing.T) {
	for name, cs := range map[string][]Check{
		"duplicate": {cmk{}, unused{}, cmk{}},
		"empty":     {emptyID{}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("build did not panic")
				}
			}()
			build(cs...)
		})
	}
}

type emptyID struct{ cmk }

func (emptyID) ID() string { return "" }

func TestLookups(t *testing.T) {
	all := All()
	all[0] = nil
	if All()[0] == nil {
		t.Error("All exposes the registry")
	}
	if c, ok := ByID(baseline.CheckCMK); !ok || c.ID() != baseline.CheckCMK {
		t.Error("ByID(cmk) failed")
	}
	if _, ok := ByID("nope"); ok {
		t.Error("ByID found an unknown check")
	}
	if cs, err := Select(nil); err != nil || len(cs) != len(registry) {
		t.Errorf("Select(nil) = %d checks, %v", len(cs), err)
	}
	cs, err := Select([]string{baseline.CheckUnused, baseline.CheckReplication})
	if err != nil || len(cs) != 2 || cs[1].ID() != baseline.CheckReplication {
		t.Errorf("Select = %v, %v", cs, err)
	}
	if _, err := Select([]string{"cmk", "rotaton-enabled"}); err == nil || !strings.Contains(err.Error(), `"rotaton-enabled"`) {
		t.Errorf("Select with a typo: %v", err)
	}
	if n := NeedsOf(cs); !n.Replicas || n.Policy {
		t.Errorf("NeedsOf(unused, replication) = %+v", n)
	}
	if n := NeedsOf(All()); !n.Replicas || !n.Policy {
		t.Errorf("NeedsOf(All) = %+v", n)
	}
	var replicaChecks []string
	for _, c := range All() {
		if c.AppliesToReplicas() {
			replicaChecks = append(replicaChecks, c.ID())
		}
	}
	if want := []string{baseline.CheckUnused, baseline.CheckCMK, baseline.CheckNoPublicPolicy}; !slices.Equal(replicaChecks, want) {
		t.Errorf("checks for replicas = %v, want %v", replicaChecks, want)
	}
}

// TestEvaluateIsPure runs every fixture twice and checks that the input is
// not modified and the finding is the same.
func TestEvaluateIsPure(t *testing.T) {
	cases := allCases()
	for _, c := range All() {
		for _, tc := range cases[c.ID()] {
			b := testBaseline()
			if tc.b != nil {
				tc.b(b)
			}
			s := tc.s(t)
			before := *s
			before.Tags = maps.Clone(s.Tags)
			f1, f2 := Evaluate(c, s, b, now), Evaluate(c, s, b, now)
			if f1 != f2 || !reflect.DeepEqual(before, *s) {
				t.Errorf("%s/%s: not pure: %+v vs %+v", c.ID(), tc.name, f1, f2)
			}
		}
	}
}

// TestDefaultBaseline runs every check against the embedded default
// baseline, as a deployment without a custom baseline would.
func TestDefaultBaseline(t *testing.T) {
	b := baseline.Default()
	for _, s := range []*secret.Snapshot{
		snap(t, arnAWS), snap(t, arnCN, ownedBy("rds"), rotationOff), snap(t, arnGov, key(""), withoutTag("owner")),
		snap(t, arnEU, withTag("secretguard:replicate-to", "eu-central-1"), edit(func(s *secret.Snapshot) { s.ResourcePolicy = policy(t, "public.json") })),
	} {
		for _, c := range All() {
			checkFinding(t, c, Evaluate(c, s, b, now))
		}
	}
	if f := Evaluate(rotationSchedule{}, snap(t, arnCN, scheduled("rate(45 days)")), b, now); f.Compliance != NonCompliant || !strings.Contains(f.Annotation, "class database allows 30 days") {
		t.Errorf("rds/ secret under the default baseline: %+v", f)
	}
}
