package resourcepolicy

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want *Policy
	}{
		{"statement as object, principal as string",
			`{"Version":"2012-10-17","Id":"p1","Statement":{"Sid":"S","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`,
			&Policy{Version: "2012-10-17", ID: "p1", Statements: []Statement{{
				Sid: "S", Effect: "Allow", Principal: &Principal{Wildcard: true},
				Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{"*"}}}}},
		{"AWS star inside a list sets Wildcard",
			`{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["*","123456789012"],"Service":"lambda.amazonaws.com","Federated":["accounts.google.com"],"CanonicalUser":"abc"},"NotAction":["a","b"],"NotResource":"r"}]}`,
			&Policy{Statements: []Statement{{
				Effect: "Deny", NotPrincipal: &Principal{Wildcard: true, AWS: []string{"123456789012"}, Service: []string{"lambda.amazonaws.com"},
					Federated: []string{"accounts.google.com"}, CanonicalUser: []string{"abc"}},
				NotAction: []string{"a", "b"}, NotResource: []string{"r"}}}}},
		{"numeric and bool condition values become strings",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"aws:MultiFactorAuthAge":[3600,1e3,"7"]},"StringEquals":{"k":false}}}]}`,
			&Policy{Statements: []Statement{{
				Effect: "Allow", Principal: &Principal{AWS: []string{"123456789012"}},
				Condition: Conditions{
					"Bool":            {"aws:SecureTransport": {"true"}},
					"NumericLessThan": {"aws:MultiFactorAuthAge": {"3600", "1e3", "7"}},
					"StringEquals":    {"k": {"false"}},
				}}}}},
		{"empty lists and empty Condition normalise to nil",
			`{"Statement":[{"Effect":"Allow","Principal":{},"Action":[],"Condition":{}}]}`,
			&Policy{Statements: []Statement{{Effect: "Allow", Principal: &Principal{}}}}},
		{"empty Statement array", `{"Statement":[]}`, &Policy{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.doc)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse =\n %#v\nwant\n %#v", got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	allow := func(extra string) string {
		return `{"Statement":[{"Effect":"Allow","Principal":"*",` + extra + `"Action":"*"}]}`
	}
	cases := []struct {
		name, doc, want string // want: substring of the error
	}{
		{"empty document", "  ", "invalid JSON: empty document"},
		{"invalid JSON", `{"Statement": [`, "invalid JSON"},
		{"not JSON at all", `Version: 2012-10-17`, "invalid JSON"},
		{"trailing data", `{"Statement":[]} {}`, "trailing data"},
		{"top level array", `[{"Effect":"Allow"}]`, "want a JSON object"},
		{"missing Statement", `{"Version":"2012-10-17"}`, "missing Statement"},
		{"null Statement", `{"Statement":null}`, "Statement: want an object or an array, got null"},
		{"statement not an object", `{"Statement":["Allow"]}`, `statement 0: want an object, got "Allow"`},
		{"unknown policy element", `{"Statement":[],"Statment":[]}`, `unknown element "Statment"`},
		{"element names are case-sensitive", `{"statement":[]}`, `unknown element "statement"`},
		{"Version not a string", `{"Version":2012,"Statement":[]}`, "Version: want a string, got 2012"},
		{"duplicate key", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Principal":"*"}]}`, `duplicate key "Principal"`},
		{"too deep", `{"Statement":[{"Effect":"Allow","Condition":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`, "nested deeper"},
		{"missing Effect", `{"Statement":[{"Sid":"NoEffect","Principal":"*","Action":"*"}]}`, `statement 0 ("NoEffect"): missing Effect`},
		{"lower-case Effect", `{"Statement":[{"Effect":"allow"}]}`, `statement 0: Effect: want "Allow" or "Deny", got "allow"`},
		{"numeric Effect", `{"Statement":[{"Effect":1}]}`, `Effect: want "Allow" or "Deny", got 1`},
		{"Sid not a string", `{"Statement":[{"Sid":7,"Effect":"Allow"}]}`, "statement 0: Sid: want a string, got 7"},
		{"unknown statement element", allow(`"Principals":"*",`), `statement 0: unknown element "Principals"`},
		{"numeric Principal names index and Sid",
			`{"Statement":[{"Effect":"Deny"},{"Effect":"Deny"},{"Sid":"AllowRead","Effect":"Allow","Principal":42}]}`,
			`statement 2 ("AllowRead"): Principal: unsupported value 42`},
		{"string Principal other than star", `{"Statement":[{"Effect":"Allow","Principal":"123456789012"}]}`, `Principal: unsupported value "123456789012"`},
		{"array Principal", `{"Statement":[{"Effect":"Allow","Principal":["*"]}]}`, `Principal: unsupported value ["*"]`},
		{"null Principal", `{"Statement":[{"Effect":"Allow","Principal":null}]}`, "Principal: unsupported value null"},
		{"unknown principal type", `{"Statement":[{"Effect":"Allow","Principal":{"Everyone":"*"}}]}`, `Principal: unsupported principal type "Everyone"`},
		{"numeric AWS principal", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":123456789012}}]}`, "Principal: AWS: unsupported value 123456789012"},
		{"non-string in AWS list", `{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":["a",true]}}]}`, "NotPrincipal: AWS: unsupported value true in list"},
		{"numeric Action", allow(`"Resource":5,`), "Resource: unsupported value 5"},
		{"Condition not an object", allow(`"Condition":"StringEquals",`), `Condition: want an object, got "StringEquals"`},
		{"Condition operator not an object", allow(`"Condition":{"StringEquals":["a"]},`), `Condition: StringEquals: want an object, got ["a"]`},
		{"null condition value", allow(`"Condition":{"StringEquals":{"aws:SourceAccount":null}},`), "Condition: StringEquals: aws:SourceAccount: unsupported value null"},
		{"object condition value", allow(`"Condition":{"StringEquals":{"k":[{"a":1}]}},`), `unsupported value {"a":1} in list`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.doc)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", p)
			}
			if p != nil {
				t.Errorf("Parse returned a policy with error %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	docs := map[string]string{
		"object statement":   `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"a"}}`,
		"wildcard and more":  `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*","1"],"Service":"s"}}]}`,
		"empty principal":    `{"Statement":[{"Effect":"Allow","Principal":{"AWS":[]},"NotPrincipal":"*"}]}`,
		"empty values":       `{"Statement":[{"Effect":"Allow","Condition":{"StringEquals":{"k":[]},"Bool":{}}}]}`,
		"escapes":            `{"Id":"<&>\u2028","Statement":[{"Sid":"\"\\","Effect":"Deny","Resource":"\u00e9"}]}`,
		"no statements":      `{"Version":"2012-10-17","Statement":[]}`,
		"numbers and bools":  `{"Statement":[{"Effect":"Allow","Condition":{"NumericEquals":{"n":[1.50,-0,2E+3]},"Bool":{"b":[true,false]}}}]}`,
		"sid order is kept":  `{"Statement":[{"Sid":"b","Effect":"Allow"},{"Sid":"a","Effect":"Deny"},{"Sid":"b","Effect":"Allow"}]}`,
		"invalid utf-8 text": "{\"Statement\":[{\"Effect\":\"Allow\",\"Sid\":\"\xff\"}]}",
	}
	for _, f := range files {
		docs[filepath.Base(f)] = loadDoc(t, "@"+filepath.Base(f))
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			checkRoundTrip(t, doc)
		})
	}
}

// checkRoundTrip asserts Parse → JSON → Parse yields an equal Policy and that
// JSON is stable. It returns the parsed policy, or nil if doc does not parse.
func checkRoundTrip(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse(doc)
	if err != nil {
		return nil
	}
	out, err := p.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if !strings.HasPrefix(out, "{") || !strings.Contains(out, `"Statement":[`) {
		t.Errorf("JSON %s: Statement is not an array", out)
	}
	q, err := Parse(out)
	if err != nil {
		t.Fatalf("re-Parse of %s: %v", out, err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip changed the policy:\n doc  %q\n json %s\n got  %#v\n want %#v", doc, out, q, p)
	}
	out2, err := q.JSON()
	if err != nil || out2 != out {
		t.Fatalf("JSON not stable: %s vs %s (%v)", out, out2, err)
	}
	return p
}

func TestJSON(t *testing.T) {
	p, err := Parse(`{"Id":"x","Version":"2012-10-17","Statement":{"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"Bool":{"aws:SecureTransport":true}},"Resource":"*","Action":"secretsmanager:GetSecretValue","Principal":{"AWS":"*"},"Effect":"Allow","Sid":"Org"}}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"Org","Effect":"Allow","Principal":"*","Action":["secretsmanager:GetSecretValue"],"Resource":["*"],"Condition":{"Bool":{"aws:SecureTransport":["true"]},"StringEquals":{"aws:PrincipalOrgID":["o-a1b2c3d4e5"]}}}]}`
	if got != want {
		t.Errorf("JSON =\n%s\nwant\n%s", got, want)
	}

	t.Run("errors", func(t *testing.T) {
		var nilPolicy *Policy
		if _, err := nilPolicy.JSON(); err == nil {
			t.Error("nil policy: no error")
		}
		bad := &Policy{Statements: []Statement{{Effect: "allow"}}}
		if _, err := bad.JSON(); err == nil || !strings.Contains(err.Error(), "statement 0") {
			t.Errorf("bad Effect: error %v", err)
		}
	})
	t.Run("hand-built nil condition values", func(t *testing.T) {
		p := &Policy{Statements: []Statement{{Effect: "Allow", Condition: Conditions{"StringEquals": {"k": nil}, "Bool": nil}}}}
		out, err := p.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(out); err != nil {
			t.Errorf("re-Parse of %s: %v", out, err)
		}
	})
}
