package remedies_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
)

var iamAction = regexp.MustCompile(`^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$`)

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range remedies.All() {
		t.Run(r.ID(), func(t *testing.T) {
			if r.ID() == "" || seen[r.ID()] {
				t.Fatalf("empty or duplicate ID %q", r.ID())
			}
			seen[r.ID()] = true
			if r.Doc() == "" {
				t.Error("no Doc")
			}
			if len(r.Fixes()) == 0 {
				t.Error("fixes no check")
			}
			for _, c := range r.Fixes() {
				if _, ok := checks.ByID(c); !ok {
					t.Errorf("fixes unknown check %q", c)
				}
				if got, ok := remedies.ForCheck(c); !ok || got.ID() != r.ID() {
					t.Errorf("ForCheck(%q) = %v, want %s", c, got, r.ID())
				}
			}
			if len(r.IAMActions()) == 0 {
				t.Error("declares no IAM action")
			}
			for _, a := range r.IAMActions() {
				if !iamAction.MatchString(a) {
					t.Errorf("IAM action %q is not service:Action", a)
				}
			}
			if got, ok := remedies.ByID(r.ID()); !ok || got.ID() != r.ID() {
				t.Errorf("ByID(%q) = %v, %v", r.ID(), got, ok)
			}
		})
	}
	for _, id := range []string{baseline.RemedyEnableRotation, baseline.RemedyFixSchedule, baseline.RemedyAddTags,
		baseline.RemedyUseCMK, baseline.RemedyTightenPolicy, baseline.RemedyReplicate} {
		if _, ok := remedies.ByID(id); !ok {
			t.Errorf("baseline.Remedy constant %q has no remedy", id)
		}
	}
	if !slices.Equal(remedies.IDs(), slices.Sorted(slices.Values(keys(seen)))) {
		t.Errorf("IDs() = %v", remedies.IDs())
	}
	if _, ok := remedies.ByID("no-such-remedy"); ok {
		t.Error("ByID resolves an unknown ID")
	}
	if _, ok := remedies.ForCheck(baseline.CheckUnused); ok {
		t.Error("ForCheck(unused) resolves, but no remedy fixes unused secrets")
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestFindingRemediesResolve evaluates every check on snapshots built to
// fail it and asserts that every remedy a finding names resolves, and is the
// one registered for the finding's check.
func TestFindingRemediesResolve(t *testing.T) {
	b := testBaseline(t)
	const arn = "arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/x-AbCdEf"
	base := func() *secret.Snapshot {
		s := &secret.Snapshot{Name: "app/x", CreatedDate: now.AddDate(0, 0, -400), PolicyKnown: true, ReplicasKnown: true,
			VersionStages: map[string][]string{"v1": {secret.StageCurrent}}}
		if err := s.SetARN(arn); err != nil {
			t.Fatal(err)
		}
		return s
	}
	snaps := map[string]*secret.Snapshot{"bare": base()}
	s := base()
	s.RotationEnabled, s.RotationLambdaARN, s.RotationRules.AutomaticallyAfterDays = true, "arn:aws:lambda:us-east-1:"+account+":function:other", 400
	s.ResourcePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	s.Tags = map[string]string{"secretguard:replicate-to": "eu-west-1"}
	snaps["misconfigured"] = s
	named := map[string]bool{}
	for name, s := range snaps {
		for _, c := range checks.All() {
			f := checks.Evaluate(c, s, b, now)
			if f.Remedy == "" {
				continue
			}
			named[f.Remedy] = true
			r, ok := remedies.ByID(f.Remedy)
			if !ok {
				t.Errorf("%s/%s: finding names remedy %q, which does not resolve", name, c.ID(), f.Remedy)
				continue
			}
			if fc, ok := remedies.ForCheck(c.ID()); !ok || fc.ID() != r.ID() {
				t.Errorf("%s/%s: finding names %s but ForCheck gives %v", name, c.ID(), r.ID(), fc)
			}
		}
	}
	if len(named) != len(remedies.All()) {
		t.Errorf("findings named only the remedies %v; the fixtures no longer exercise every remedy", keys(named))
	}
}
