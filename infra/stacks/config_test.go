package stacks

import (
	"slices"
	"strings"
	"testing"
)

func ctxGetter(m map[string]any) func(string) any {
	return func(k string) any { return m[k] }
}

func TestConfigFromContext(t *testing.T) {
	t.Setenv("CDK_DEFAULT_REGION", "")
	t.Setenv("CDK_DEFAULT_ACCOUNT", "")
	org := func(extra map[string]any) map[string]any {
		m := map[string]any{"deployment": "organization", "regions": "eu-west-1", "hubAccount": hubAccount,
			"targetOUs": testOU, "organizationId": testOrg, "functions": "evaluator"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	many := make([]any, MaxMemberAccounts+1)
	for i := range many {
		many[i] = strings.Repeat("4", 9) + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
	}
	for _, tc := range []struct {
		name string
		ctx  map[string]any
		want string // "" for valid
	}{
		{"single defaults", map[string]any{"regions": "eu-west-1", "functions": "evaluator"}, ""},
		{"no region", map[string]any{"functions": "evaluator"}, "context regions: none given"},
		{"bad region", map[string]any{"regions": "europe", "functions": "evaluator"}, `"europe" is not a Region name`},
		{"bad mode", map[string]any{"regions": "eu-west-1", "deployment": "multi", "functions": "evaluator"}, "context deployment"},
		{"bad frequency", map[string]any{"regions": "eu-west-1", "scheduleFrequency": "Daily", "functions": "evaluator"}, "scheduleFrequency"},
		{"bad retention", map[string]any{"regions": "eu-west-1", "logRetentionDays": "42", "functions": "evaluator"}, "logRetentionDays"},
		{"unknown function", map[string]any{"regions": "eu-west-1", "functions": "scanner"}, `unknown function "scanner"`},
		{"workloads", map[string]any{"regions": "eu-west-1", "functions": "evaluator,remediator,workloads"}, ""},
		{"unknown among known", map[string]any{"regions": "eu-west-1", "functions": "workloads,workload"}, `unknown function "workload"`},
		{"bad baseline", map[string]any{"regions": "eu-west-1", "baseline": "testdata/nope.yaml", "functions": "evaluator"}, "context baseline="},
		{"organization", org(nil), ""},
		{"no org ID", org(map[string]any{"organizationId": ""}), "organization mode needs organizationId"},
		{"no hub", org(map[string]any{"hubAccount": ""}), "needs context hubAccount"},
		{"no OUs", org(map[string]any{"targetOUs": ""}), "needs context targetOUs"},
		{"bad OU", org(map[string]any{"targetOUs": "sales"}), `"sales" is not an OU`},
		{"too many accounts", org(map[string]any{"memberAccounts": many}), "at most 50"},
		{"org differs from baseline", org(map[string]any{"baseline": "testdata/baseline.yaml", "organizationId": "o-zzzzzzzzzz"}), "differs from the baseline"},
		{"role region", org(map[string]any{"spokeRoleRegion": "us-east-1"}), "spokeRoleRegion"},
		{"callAs", org(map[string]any{"callAs": "ADMIN"}), "callAs"},
		// spokeRoleName is a prefix: <prefix>-remediator, the longest
		// spoke role, must stay within IAM's 64 characters.
		{"spoke role prefix", org(map[string]any{"spokeRoleName": strings.Repeat("s", 64-len("-remediator"))}), ""},
		{"spoke role prefix too long", org(map[string]any{"spokeRoleName": strings.Repeat("s", 65-len("-remediator"))}), "-remediator"},
		{"bad spoke role prefix", org(map[string]any{"spokeRoleName": "secret guard"}), "context spokeRoleName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := configFrom(ctxGetter(tc.ctx))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func TestConfigFromBaseline(t *testing.T) {
	c, err := configFrom(ctxGetter(map[string]any{
		"deployment": "organization", "regions": []any{"us-east-1", "eu-west-1"}, "hubAccount": hubAccount,
		"targetOUs": testOU, "baseline": "testdata/baseline.yaml", "functions": "evaluator,remediator",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.OrganizationID != testOrg || !slices.Equal(c.MemberAccounts, []string{memberA, memberB}) {
		t.Errorf("from the baseline: org %q members %v", c.OrganizationID, c.MemberAccounts)
	}
	if c.SpokeRoleRegion != "us-east-1" || c.StackSetRegion != "us-east-1" || c.Frequency != DefaultFrequency {
		t.Errorf("defaults: %+v", c)
	}
}

func TestList(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want []string
	}{
		{"a, b,,a", []string{"a", "b"}},
		{`["a","b"]`, []string{"a", "b"}},
		{[]any{"x", "y"}, []string{"x", "y"}},
		{nil, nil},
	} {
		if got := list(tc.in, ""); !slices.Equal(got, tc.want) {
			t.Errorf("list(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := list(nil, "d1,d2"); !slices.Equal(got, []string{"d1", "d2"}) {
		t.Errorf("default: %v", got)
	}
}
