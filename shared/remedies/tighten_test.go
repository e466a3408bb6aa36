package remedies_test

import (
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

const (
	foreign    = "999988887777"
	allowed    = "444455556666"
	orgMember  = "777788889999"
	breakGlass = "arn:aws:iam::" + account + ":role/break-glass"
)

var policyCtx = resourcepolicy.Context{AccountID: account, OrganizationID: org, AllowedAccounts: []string{allowed}, OrgAccounts: []string{orgMember}}

func mustParse(t testing.TB, doc string) *resourcepolicy.Policy {
	t.Helper()
	p, err := resourcepolicy.Parse(doc)
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return p
}

func mustJSON(t testing.TB, p *resourcepolicy.Policy) string {
	t.Helper()
	s, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// canonical re-renders a document the way Policy.JSON does.
func canonical(t testing.TB, doc string) string { return mustJSON(t, mustParse(t, doc)) }

func TestTighten(t *testing.T) {
	const get = `"Action":"secretsmanager:GetSecretValue","Resource":"*"`
	noOrg := policyCtx
	noOrg.OrganizationID = ""
	tests := []struct {
		name    string
		ctx     resourcepolicy.Context
		in      string
		want    string // "" when unchanged
		changes []string
	}{
		{name: "public gets the organisation condition", ctx: policyCtx,
			in:      `{"Version":"2012-10-17","Statement":[{"Sid":"Open","Effect":"Allow","Principal":"*",` + get + `}]}`,
			want:    `{"Version":"2012-10-17","Statement":[{"Sid":"Open","Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":["` + org + `"]}}}]}`,
			changes: []string{`restricted statement "Open" to organisation o-a1b2c3d4e5 (StringEquals aws:PrincipalOrgID)`}},
		{name: "public without an organisation: the wildcard goes, the rest stays", ctx: noOrg,
			in:      `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*","arn:aws:iam::` + account + `:role/app"]},` + get + `}]}`,
			want:    `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + account + `:role/app"]},` + get + `}]}`,
			changes: []string{"removed the wildcard principal from statement [0]: it was public and the baseline names no organisation"}},
		{name: "public without an organisation and nothing else: removed", ctx: noOrg,
			in:   `{"Statement":[{"Effect":"Allow","Principal":"*",` + get + `},{"Sid":"Own","Effect":"Allow","Principal":{"AWS":"` + account + `"},` + get + `}]}`,
			want: `{"Statement":[{"Sid":"Own","Effect":"Allow","Principal":{"AWS":["` + account + `"]},` + get + `}]}`},
		{name: "foreign account principal removed, others kept", ctx: policyCtx,
			in:      `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + foreign + `:root","arn:aws:iam::` + allowed + `:role/r","AROADELETEDROLE"]},` + get + `}]}`,
			want:    `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + allowed + `:role/r"]},` + get + `}]}`,
			changes: []string{"removed from statement [0] the principals arn:aws:iam::" + foreign + ":root, AROADELETEDROLE (accounts the baseline does not allow)"}},
		{name: "only a foreign principal: statement removed", ctx: policyCtx,
			in:   `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + foreign + `"},` + get + `}]}`,
			want: `{"Statement":[]}`},
		{name: "NotPrincipal allow removed even with an organisation condition", ctx: policyCtx,
			in:      `{"Statement":[{"Sid":"NP","Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::` + account + `:role/x"},` + get + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + org + `"}}}]}`,
			want:    `{"Statement":[]}`,
			changes: []string{`removed statement "NP": an Allow with NotPrincipal grants everyone but the listed principals`}},
		{name: "foreign organisation: statement removed", ctx: policyCtx,
			in:   `{"Statement":[{"Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-other"}}}]}`,
			want: `{"Statement":[]}`},
		{name: "foreign account pruned from a condition", ctx: policyCtx,
			in:      `{"Statement":[{"Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalAccount":["` + account + `","` + foreign + `"]}}}]}`,
			want:    `{"Statement":[{"Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalAccount":["` + account + `"]}}}]}`,
			changes: []string{"narrowed statement [0]: StringEquals aws:PrincipalAccount no longer lists " + foreign}},
		{name: "service for a foreign account: removed", ctx: policyCtx,
			in:   `{"Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},` + get + `,"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:events:us-east-1:` + foreign + `:rule/x"}}}]}`,
			want: `{"Statement":[]}`},
		{name: "a wildcard organisation value is intersected", ctx: policyCtx,
			in:   `{"Statement":[{"Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-*","` + org + `"]}}}]}`,
			want: `{"Statement":[{"Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":["` + org + `"]}}}]}`},
		{name: "break-glass moved out before the organisation condition", ctx: policyCtx,
			in: `{"Statement":[{"Sid":"Mixed","Effect":"Allow","Principal":{"AWS":["*","` + breakGlass + `"]},` + get + `}]}`,
			want: `{"Statement":[{"Sid":"MixedBreakGlass","Effect":"Allow","Principal":{"AWS":["` + breakGlass + `"]},` + get + `},` +
				`{"Sid":"Mixed","Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":["` + org + `"]}}}]}`},
		{name: "deny statements and compliant statements untouched", ctx: policyCtx,
			in: `{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"},` +
				`{"Sid":"Org","Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + org + `"}}},` +
				`{"Sid":"Bad","Effect":"Allow","Principal":{"AWS":"` + foreign + `"},` + get + `}]}`,
			want: `{"Statement":[{"Sid":"D","Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"},` +
				`{"Sid":"Org","Effect":"Allow","Principal":"*",` + get + `,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + org + `"}}}]}`},
		{name: "compliant policy unchanged", ctx: policyCtx,
			in: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + allowed + `:root"},` + get + `},` +
				`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},` + get + `}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mustParse(t, tt.in)
			before := mustJSON(t, in)
			got, changes := remedies.Tighten(in, tt.ctx, breakGlass)
			if mustJSON(t, in) != before {
				t.Error("Tighten modified its input")
			}
			want := tt.want
			if want == "" {
				want = tt.in
				if len(changes) != 0 {
					t.Errorf("changes %q on a compliant policy", changes)
				}
			}
			if g, w := mustJSON(t, got), canonical(t, want); g != w {
				t.Errorf("got  %s\nwant %s", g, w)
			}
			if tt.changes != nil && strings.Join(changes, "\n") != strings.Join(tt.changes, "\n") {
				t.Errorf("changes %q\nwant    %q", changes, tt.changes)
			}
			if tt.want != "" && len(changes) == 0 {
				t.Error("no change reported")
			}
		})
	}
}

// TestTightenKeepsBreakGlassOnly: a statement that names only a break-glass
// role in an account the baseline does not allow is never changed.
func TestTightenKeepsBreakGlassOnly(t *testing.T) {
	bg := "arn:aws:iam::" + foreign + ":role/break-glass"
	in := mustParse(t, `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"`+bg+`"},"Action":"*","Resource":"*"}]}`)
	got, changes := remedies.Tighten(in, policyCtx, bg)
	if len(changes) != 0 || mustJSON(t, got) != mustJSON(t, in) {
		t.Errorf("changed: %q %s", changes, mustJSON(t, got))
	}
}
