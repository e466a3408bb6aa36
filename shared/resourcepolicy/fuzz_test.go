package resourcepolicy

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParseClassify checks that Parse and Classify never panic, that a parsed
// policy's JSON re-parses to an equal Policy, and that classifying the
// re-parsed policy gives the same verdicts.
func FuzzParseClassify(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		`{"Statement":{"Effect":"Allow","Principal":"*"}}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*","arn:aws-cn:iam::123456789012:root","AROAX"],"Service":"s","Federated":"f","CanonicalUser":"c"},"Condition":{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-a1b2c3d4e5/*"},"ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:t"}}}]}`,
		`{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"1"},"Condition":{"StringLike":{"aws:userid":"AROA:*","aws:SourceVpce":["vpce-1",2,true]}}}]}`,
		`{"Statement":[{"Sid":"AllowRead","Effect":"Allow","Principal":42}]}`,
		`{"Statement":[`,
	} {
		f.Add(s)
	}
	ctxs := []Context{
		defaultCtx,
		{},
		{AccountID: ownAccount, OrganizationID: "o-zzzzzzzzzz"},
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p := checkRoundTrip(t, doc)
		if p == nil {
			return
		}
		q, err := Parse(mustJSON(t, p))
		if err != nil {
			t.Fatal(err)
		}
		for _, ctx := range ctxs {
			vs := Classify(p, ctx)
			if !reflect.DeepEqual(vs, Classify(q, ctx)) {
				t.Fatalf("verdicts differ after round trip for %q", doc)
			}
			for _, v := range vs {
				if v.InOrg && len(v.Disallowed) > 0 {
					t.Fatalf("verdict %+v: InOrg with Disallowed", v)
				}
				if p.Statements[v.Index].Effect == effectDeny {
					t.Fatalf("verdict %+v for a Deny statement", v)
				}
			}
			Worst(vs)
		}
	})
}

func mustJSON(t *testing.T, p *Policy) string {
	t.Helper()
	s, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
