package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// bins holds a placeholder bootstrap per function, so the tests need no
// `make build`.
var bins string

// TestMain closes the jsii kernel once. The kernel starts while the CDK
// packages initialise, so its Node.js comes from the environment: `make
// test-infra` puts the pinned Node 22 (node_modules/.bin) first on PATH.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "secretguard-infra-bins")
	if err != nil {
		panic(err)
	}
	for _, n := range catalogNames() {
		if err := os.MkdirAll(filepath.Join(dir, n), 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n, "bootstrap"), []byte("placeholder"), 0o755); err != nil {
			panic(err)
		}
	}
	bins = dir
	code := m.Run()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	hubAccount    = "111111111111"
	memberA       = "222222222222"
	memberB       = "333333333333"
	testOrg       = "o-abcdefghij"
	testOU        = "ou-abcd-12345678"
	singleAccount = "123456789012"
)

func singleContext() map[string]any {
	return map[string]any{
		"regions": "eu-west-1", "account": singleAccount, "binDir": bins,
		"functions": strings.Join(catalogNames(), ","), "baseline": "testdata/baseline.yaml", "dryRun": true,
	}
}

func orgContext() map[string]any {
	return map[string]any{
		"deployment": ModeOrganization, "regions": []any{"eu-west-1", "us-east-1"}, "hubAccount": hubAccount,
		"targetOUs": testOU, "binDir": bins, "functions": strings.Join(catalogNames(), ","),
		"baseline": "testdata/baseline.yaml",
	}
}

// build makes an app with ctx and builds it, synthesizing into a directory
// that lives as long as the test binary (the shared builds outlive a test).
func build(t *testing.T, ctx map[string]any) (*Built, error) {
	t.Helper()
	out, err := os.MkdirTemp(bins, "cdk.out")
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(out)})
	return Build(app)
}

// Both deployments are built once and shared by the tests that only read.
var (
	singleOnce, orgOnce sync.Once
	single, org         *Built
)

func singleBuilt(t *testing.T) *Built {
	singleOnce.Do(func() {
		b, err := build(t, singleContext())
		if err != nil {
			t.Fatalf("build single: %v", err)
		}
		single = b
	})
	if single == nil {
		t.Fatal("single deployment did not build")
	}
	return single
}

func orgBuilt(t *testing.T) *Built {
	orgOnce.Do(func() {
		b, err := build(t, orgContext())
		if err != nil {
			t.Fatalf("build organization: %v", err)
		}
		org = b
	})
	if org == nil {
		t.Fatal("organization deployment did not build")
	}
	return org
}

// tmpl is a synthesized template as plain JSON.
type tmpl map[string]any

func templateOf(t *testing.T, s awscdk.Stack) tmpl {
	t.Helper()
	return tmpl(*assertions.Template_FromStack(s, nil).ToJSON())
}

// resources returns the resources of a type, by logical ID.
func (tp tmpl) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tp["Resources"].(map[string]any) {
		if r := r.(map[string]any); r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// flat renders intrinsic functions readably: Fn::Join concatenated, Ref as
// ${Name}, GetAtt as ${Name.Attr}.
func flat(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if j, ok := v["Fn::Join"].([]any); ok {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, flat(p))
			}
			return strings.Join(parts, j[0].(string))
		}
		if r, ok := v["Ref"].(string); ok {
			return "${" + r + "}"
		}
		if g, ok := v["Fn::GetAtt"].([]any); ok {
			return fmt.Sprintf("${%v.%v}", g[0], g[1])
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func strs(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, flat(e))
		}
		return out
	}
	return []string{flat(v)}
}

// statement is a policy statement with flattened values.
type statement struct {
	Effect    string
	Actions   []string
	Resources []string
	Condition string
	Principal string
}

func statementsOf(doc any) []statement {
	var out []statement
	for _, s := range doc.(map[string]any)["Statement"].([]any) {
		s := s.(map[string]any)
		st := statement{Effect: s["Effect"].(string), Actions: strs(s["Action"]), Resources: strs(s["Resource"])}
		if c, ok := s["Condition"]; ok {
			b, _ := json.Marshal(resolveJoins(c))
			st.Condition = string(b)
		}
		if p, ok := s["Principal"]; ok {
			b, _ := json.Marshal(resolveJoins(p))
			st.Principal = string(b)
		}
		out = append(out, st)
	}
	return out
}

// resolveJoins flattens every intrinsic inside v.
func resolveJoins(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["Fn::Join"]; ok {
			return flat(v)
		}
		if _, ok := v["Ref"]; ok {
			return flat(v)
		}
		out := map[string]any{}
		for k, e := range v {
			out[k] = resolveJoins(e)
		}
		return out
	case []any:
		var out []any
		for _, e := range v {
			out = append(out, resolveJoins(e))
		}
		return out
	}
	return v
}

// roleStatements returns each role's inline policy statements by role name.
func (tp tmpl) roleStatements() map[string][]statement {
	out := map[string][]statement{}
	for id, r := range tp.resources("AWS::IAM::Role") {
		p := props(r)
		name := id
		if n, ok := p["RoleName"]; ok {
			name = flat(n)
		}
		for _, pol := range p["Policies"].([]any) {
			out[name] = append(out[name], statementsOf(pol.(map[string]any)["PolicyDocument"])...)
		}
	}
	return out
}

func actionsOf(sts []statement) []string {
	var out []string
	for _, s := range sts {
		out = append(out, s.Actions...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func sorted(s ...[]string) []string {
	out := slices.Concat(s...)
	sort.Strings(out)
	return slices.Compact(out)
}

func countsAre(t *testing.T, tp tmpl, want map[string]int) {
	t.Helper()
	for typ, n := range want {
		if got := len(tp.resources(typ)); got != n {
			t.Errorf("%s: %d resources, want %d", typ, got, n)
		}
	}
}
