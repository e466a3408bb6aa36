package remedies_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/resourcepolicy"
)

// Pools the generator draws from: principals and conditions of every kind
// Classify distinguishes, including break-glass roles in the account and in
// a foreign one.
var (
	bgForeign = "arn:aws:iam::" + foreign + ":role/break-glass-foreign"
	awsPool   = []string{
		account, "arn:aws:iam::" + account + ":role/app", "arn:aws:iam::" + account + ":root",
		"arn:aws:iam::" + allowed + ":root", orgMember,
		"arn:aws:iam::" + foreign + ":role/x", foreign, "AROADELETEDROLE123",
		"*", "arn:aws:iam::*:root", breakGlass, bgForeign,
	}
	servicePool = []string{"lambda.amazonaws.com", "events.amazonaws.com", "*"}
	condPool    = []struct{ op, key string }{
		{"StringEquals", "aws:PrincipalOrgID"}, {"StringEquals", "aws:PrincipalAccount"}, {"StringLike", "aws:PrincipalArn"},
		{"StringEquals", "aws:SourceAccount"}, {"ArnLike", "aws:SourceArn"}, {"StringEquals", "aws:SourceVpce"},
		{"StringNotEquals", "aws:PrincipalOrgID"}, {"Bool", "aws:SecureTransport"}, {"ForAnyValue:StringLike", "aws:PrincipalOrgPaths"},
	}
	valuePool = map[string][]string{
		"aws:PrincipalOrgID":    {org, "o-other", "o-*"},
		"aws:PrincipalAccount":  {account, allowed, foreign, "99*"},
		"aws:PrincipalArn":      {"arn:aws:iam::" + foreign + ":role/*", "arn:aws:iam::" + account + ":role/*", "arn:aws:iam::*:role/x"},
		"aws:SourceAccount":     {account, foreign, orgMember},
		"aws:SourceArn":         {"arn:aws:events:us-east-1:" + foreign + ":rule/x", "arn:aws:events:us-east-1:" + account + ":rule/x"},
		"aws:SourceVpce":        {"vpce-1a2b"},
		"aws:SecureTransport":   {"true"},
		"aws:PrincipalOrgPaths": {org + "/r-ab12/", "o-other/r-cd34/"},
	}
	actionPool = []string{"secretsmanager:GetSecretValue", "secretsmanager:*", "*"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func picks[T any](r *rand.Rand, s []T, max int) []T {
	n := 1 + r.IntN(max)
	out := make([]T, 0, n)
	for range n {
		v := pick(r, s)
		if !slices.ContainsFunc(out, func(o T) bool { return reflect.DeepEqual(o, v) }) {
			out = append(out, v)
		}
	}
	return out
}

func genPrincipal(r *rand.Rand) *resourcepolicy.Principal {
	p := &resourcepolicy.Principal{}
	for _, a := range picks(r, awsPool, 3) {
		if a == "*" {
			p.Wildcard = true
		} else {
			p.AWS = append(p.AWS, a)
		}
	}
	if r.IntN(4) == 0 {
		p.Service = picks(r, servicePool, 2)
	}
	if r.IntN(10) == 0 {
		p.Federated = []string{"cognito-identity.amazonaws.com"}
	}
	return p
}

func genPolicy(r *rand.Rand) *resourcepolicy.Policy {
	p := &resourcepolicy.Policy{Version: "2012-10-17"}
	for i := range 1 + r.IntN(4) {
		st := resourcepolicy.Statement{Sid: fmt.Sprintf("S%d", i), Effect: "Allow", Action: picks(r, actionPool, 2), Resource: []string{"*"}}
		if r.IntN(5) == 0 {
			st.Effect = "Deny"
		}
		if r.IntN(10) == 0 {
			st.NotPrincipal = genPrincipal(r)
		} else {
			st.Principal = genPrincipal(r)
		}
		for range r.IntN(3) {
			c := pick(r, condPool)
			if st.Condition == nil {
				st.Condition = resourcepolicy.Conditions{}
			}
			if st.Condition[c.op] == nil {
				st.Condition[c.op] = map[string][]string{}
			}
			st.Condition[c.op][c.key] = picks(r, valuePool[c.key], 2)
		}
		p.Statements = append(p.Statements, st)
	}
	return p
}

// passesCheck reports whether a statement passes no-public-policy.
func passesCheck(v resourcepolicy.Verdict) bool {
	return v.Exposure != resourcepolicy.Public && len(v.Disallowed) == 0
}

func rank(v resourcepolicy.Verdict) int {
	switch {
	case v.Exposure == resourcepolicy.Scoped:
		return 0
	case v.Exposure == resourcepolicy.CrossAccount && len(v.Disallowed) == 0:
		return 1
	case v.Exposure == resourcepolicy.CrossAccount:
		return 2
	}
	return 3
}

func verdictsBySid(p *resourcepolicy.Policy, ctx resourcepolicy.Context) map[string]resourcepolicy.Verdict {
	out := map[string]resourcepolicy.Verdict{}
	for _, v := range resourcepolicy.Classify(p, ctx) {
		out[v.Sid] = v
	}
	return out
}

func externalAccounts(p *resourcepolicy.Policy, ctx resourcepolicy.Context) map[string]bool {
	out := map[string]bool{}
	for _, v := range resourcepolicy.Classify(p, ctx) {
		for _, a := range v.Accounts {
			out[a] = true
		}
	}
	return out
}

// TestTightenProperties checks Tighten over generated policies, with and
// without a known organisation: it never widens, never locks out, is
// idempotent, leaves compliant statements alone and its result passes the
// check (short of break-glass-only statements).
func TestTightenProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20250615, 1))
	noOrg := policyCtx
	noOrg.OrganizationID = ""
	bg := []string{breakGlass, bgForeign}
	const n = 3000
	var changed, compliant int
	for i := range n {
		p := genPolicy(r)
		for _, ctx := range []resourcepolicy.Context{policyCtx, noOrg} {
			orig := mustJSON(t, p)
			out, changes := remedies.Tighten(p, ctx, bg...)
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("policy %d (org %q): %s\nin:  %s\nout: %s\nchanges: %q", i, ctx.OrganizationID, fmt.Sprintf(format, args...), orig, mustJSON(t, out), changes)
			}
			if mustJSON(t, p) != orig {
				fail("input modified")
			}
			if len(changes) > 0 {
				changed++
			}
			inV, outV := verdictsBySid(p, ctx), verdictsBySid(out, ctx)

			// Compliant statements (and whole compliant policies) are untouched.
			allPass := true
			for _, v := range inV {
				allPass = allPass && passesCheck(v)
			}
			if allPass {
				compliant++
				if len(changes) > 0 || !reflect.DeepEqual(out, p) {
					fail("compliant policy changed")
				}
			}
			for _, st := range p.Statements {
				if v, ok := inV[st.Sid]; ok && passesCheck(v) {
					if k := slices.IndexFunc(out.Statements, func(o resourcepolicy.Statement) bool { return o.Sid == st.Sid }); k < 0 || !reflect.DeepEqual(out.Statements[k], st) {
						fail("compliant statement %s changed", st.Sid)
					}
				}
			}

			// Never widens: no statement more exposed, no new external account,
			// no Deny changed or added.
			for sid, v := range outV {
				origSid := strings.TrimSuffix(sid, "BreakGlass")
				iv, ok := inV[origSid]
				if !ok {
					fail("statement %s does not come from the input", sid)
				}
				if rank(v) > rank(iv) {
					fail("statement %s became more exposed: %+v, was %+v", sid, v, iv)
				}
			}
			inAcc := externalAccounts(p, ctx)
			for a := range externalAccounts(out, ctx) {
				if !inAcc[a] {
					fail("new external account %s", a)
				}
			}
			denies := func(p *resourcepolicy.Policy) []resourcepolicy.Statement {
				return slices.DeleteFunc(slices.Clone(p.Statements), func(s resourcepolicy.Statement) bool { return s.Effect != "Deny" })
			}
			if dOut, dIn := denies(out), denies(p); len(dOut) != len(dIn) || (len(dIn) > 0 && !reflect.DeepEqual(dOut, dIn)) {
				fail("Deny statements changed")
			}

			// The result passes, but for break-glass principals: without them,
			// every statement passes.
			for sid, v := range outV {
				if passesCheck(v) {
					continue
				}
				k := slices.IndexFunc(out.Statements, func(o resourcepolicy.Statement) bool { return o.Sid == sid })
				st := out.Statements[k]
				pr := *st.Principal
				pr.AWS = slices.DeleteFunc(slices.Clone(pr.AWS), func(a string) bool { return slices.Contains(bg, a) })
				st.Principal = &pr
				if len(pr.AWS) == len(out.Statements[k].Principal.AWS) || !passesCheck(resourcepolicy.Classify(&resourcepolicy.Policy{Statements: []resourcepolicy.Statement{st}}, ctx)[0]) {
					fail("statement %s still fails: %+v", sid, v)
				}
			}

			// Never locks out: every break-glass principal an Allow names keeps
			// a statement with the same actions, resources and conditions.
			for _, st := range p.Statements {
				if st.Effect != "Allow" || st.Principal == nil {
					continue
				}
				for _, a := range st.Principal.AWS {
					if !slices.Contains(bg, a) {
						continue
					}
					if !slices.ContainsFunc(out.Statements, func(o resourcepolicy.Statement) bool {
						return o.Principal != nil && slices.Contains(o.Principal.AWS, a) && reflect.DeepEqual(o.Action, st.Action) &&
							reflect.DeepEqual(o.Resource, st.Resource) && reflect.DeepEqual(o.Condition, st.Condition)
					}) {
						fail("break-glass principal %s of %s lost its grant", a, st.Sid)
					}
				}
			}

			// Idempotent.
			again, more := remedies.Tighten(out, ctx, bg...)
			if len(more) > 0 || !reflect.DeepEqual(again, out) {
				fail("not idempotent: second pass %q -> %s", more, mustJSON(t, again))
			}
			// The canonical JSON re-parses to the same policy.
			if !reflect.DeepEqual(mustParse(t, mustJSON(t, out)), out) && len(out.Statements) > 0 {
				fail("JSON does not round-trip")
			}
		}
	}
	t.Logf("%d policies x 2 contexts: %d rewritten, %d compliant", n, changed, compliant)
	if changed < n/2 || compliant < n/20 {
		t.Errorf("generator too narrow: %d rewritten, %d compliant of %d", changed, compliant, 2*n)
	}
}
