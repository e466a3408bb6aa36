package baseline

import (
	"slices"
	"strings"
	"testing"
)

func TestWorkloadSettingsValidate(t *testing.T) {
	for _, tc := range []struct{ name, extra, want string }{
		{"mode of a resource check", "checks: {vpc-endpoint: {mode: fix}}\n", `checks.vpc-endpoint.mode: must be report, ticket or remediate, got "fix"`},
		{"unknown resource check", "checks: {vpc-endpoints: {mode: ticket}}\n", `checks.vpc-endpoints: unknown check ID "vpc-endpoints"`},
		{"allow without resource", "plaintext: {allow: [{variable: X}]}\n", "plaintext.allow[0].resource: must not be empty"},
		{"allow everything", "plaintext: {allow: [{resource: '*'}]}\n", `plaintext.allow[0]: resource and variable are both "*"`},
		{"allow duplicate", "plaintext: {allow: [{resource: f, variable: X}, {resource: f, variable: X}]}\n", `plaintext.allow[1]: duplicate entry for resource "f" and variable "X"`},
		{"allow unknown field", "plaintext: {allow: [{resource: f, name: X}]}\n", `unknown field "name"`},
		{"caching high", "caching: {maxCallsPerHour: 2000000000}\n", "caching.maxCallsPerHour: must be between 1 and 1000000000, got 2000000000"},
		{"sustained hours", "caching: {sustainedHours: 25}\n", "caching.sustainedHours: must be between 1 and 24, got 25"},
		{"waiver account key", "waivers: {accounts: {'1234': {vpc-endpoint: '2026-01-01 x'}}}\n", `waivers.accounts.1234: key must be a 12-digit account ID, or <account ID>:<Region>`},
		{"waiver secret check", "waivers: {accounts: {'111122223333': {cmk: '2026-01-01 x'}}}\n", `waivers.accounts.111122223333.cmk: "cmk" is not a workload or account check`},
		{"waiver value", "waivers: {accounts: {'111122223333': {caching: 'soon'}}}\n", `waivers.accounts.111122223333.caching: must be "YYYY-MM-DD reason", got "soon"`},
		{"waiver without reason", "waivers: {accounts: {'111122223333:eu-west-1': {caching: '2026-01-01'}}}\n", `waivers.accounts["111122223333:eu-west-1"].caching: must be "YYYY-MM-DD reason"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(doc(tc.extra)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestWorkloadSettingsParse(t *testing.T) {
	b, err := Parse([]byte(doc(`checks: {vpc-endpoint: {mode: remediate}}
plaintext: {allow: [{resource: "legacy-*", variable: TEST_PASSWORD, reason: fixture}, {resource: /app/flags}]}
caching: {maxCallsPerHour: 500}
waivers: {accounts: {"111122223333": {vpc-endpoint: "2026-12-31 sandbox"}, "111122223333:eu-west-1": {caching: "2026-06-30 load test"}}}
`)))
	if err != nil {
		t.Fatal(err)
	}
	if b.Mode(CheckVPCEndpoint) != ModeRemediate || b.Mode(CheckCaching) != ModeReport {
		t.Errorf("modes %v", b.Checks)
	}
	if got := b.Plaintext.Allow[1]; got.Variable != "*" {
		t.Errorf("allow entry without variable: %+v (want variable *)", got)
	}
	if b.Caching != (Caching{MaxCallsPerHour: 500, SustainedHours: 6}) {
		t.Errorf("caching %+v", b.Caching)
	}
	if v, key, ok := b.AccountWaiver("111122223333", "eu-west-1", CheckCaching); !ok || v != "2026-06-30 load test" || key != "waivers.accounts.111122223333:eu-west-1.caching" {
		t.Errorf("Region waiver = %q %q %v", v, key, ok)
	}
	if v, _, ok := b.AccountWaiver("111122223333", "us-east-1", CheckVPCEndpoint); !ok || v != "2026-12-31 sandbox" {
		t.Errorf("account waiver = %q %v", v, ok)
	}
	if _, _, ok := b.AccountWaiver("111122223333", "us-east-1", CheckCaching); ok {
		t.Error("the eu-west-1 waiver applied in us-east-1")
	}
}

func TestCheckIDLists(t *testing.T) {
	all := AllCheckIDs()
	if len(all) != len(CheckIDs)+len(ResourceCheckIDs) {
		t.Fatalf("AllCheckIDs has %d", len(all))
	}
	for _, id := range ResourceCheckIDs {
		if slices.Contains(CheckIDs, id) || !IsResourceCheck(id) {
			t.Errorf("%s is in both lists or not a resource check", id)
		}
	}
	if IsResourceCheck(CheckCMK) {
		t.Error("cmk is a resource check")
	}
	d := Default()
	for _, id := range ResourceCheckIDs {
		if _, ok := d.Checks[id]; !ok {
			t.Errorf("default.yaml sets no mode for %s", id)
		}
	}
	if d.Mode(CheckVPCEndpoint) == ModeRemediate {
		t.Error("the default baseline creates endpoints: that must be opt-in")
	}
}
