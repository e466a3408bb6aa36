package baseline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

// minimal is the smallest valid document.
const minimal = "version: 1\nclasses: [{name: standard, maxRotationDays: 90}]\n"

func TestDefault(t *testing.T) {
	b := Default()
	for _, tc := range []struct {
		name, secret, service string
		wantClass             string
		wantDays              int
	}{
		{"database by owning service", "x", "rds", "database", 30},
		{"database by prefix", "db/orders", "", "database", 30},
		{"api key", "api-key/stripe", "", "api-key", 7},
		{"anything else", "app/config", "", "standard", 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := b.ClassFor(tc.secret, tc.service, nil)
			if c == nil || c.Name != tc.wantClass || c.MaxRotationDays != tc.wantDays {
				t.Fatalf("ClassFor(%q, %q) = %+v, want %s with %d days", tc.secret, tc.service, c, tc.wantClass, tc.wantDays)
			}
		})
	}
	var keys []string
	for _, r := range b.RequiredTags {
		keys = append(keys, r.Key)
	}
	if !reflect.DeepEqual(keys, []string{"owner", "environment"}) {
		t.Errorf("required tags = %v, want [owner environment]", keys)
	}
	if b.Unused.Days != 90 || b.Rotated.Days != 90 || b.MaxChangesPerInvocation != 25 {
		t.Errorf("unused %d, rotatedRecently %d, cap %d; want 90, 90, 25", b.Unused.Days, b.Rotated.Days, b.MaxChangesPerInvocation)
	}
	if b.Waivers.TagPrefix != "secretguard:waive:" || b.Waivers.MaxDays != 365 || b.Replication.Tag != "secretguard:replicate-to" {
		t.Errorf("waivers %+v, replication %+v", b.Waivers, b.Replication)
	}
	for _, id := range CheckIDs {
		if _, ok := b.Checks[id]; !ok {
			t.Errorf("default.yaml does not set check %s", id)
		}
	}
	if b.Mode(CheckCMK) != ModeTicket || b.Mode(CheckUnused) != ModeReport {
		t.Errorf("modes: cmk %s, unused %s", b.Mode(CheckCMK), b.Mode(CheckUnused))
	}
	// Each call returns a fresh copy.
	b.Classes[0].MaxRotationDays = 1
	if Default().Classes[0].MaxRotationDays == 1 {
		t.Error("Default returned shared state")
	}
}

func TestParseDefaults(t *testing.T) {
	b, err := Parse([]byte("version: 1\nclasses: [{name: standard, maxRotationDays: 90}, {name: other, maxRotationDays: 9, strategy: alternating-users}]\nchecks: {cmk: {mode: remediate}, unused: {}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Baseline{
		Version:                 1,
		Classes:                 []Class{{Name: "standard", MaxRotationDays: 90, Strategy: StrategySingleUser}, {Name: "other", MaxRotationDays: 9, Strategy: StrategyAlternatingUsers}},
		DefaultClass:            "standard",
		Replication:             Replication{Tag: "secretguard:replicate-to"},
		Unused:                  DaysSetting{Days: 90},
		Rotated:                 DaysSetting{Days: 90},
		Waivers:                 Waivers{TagPrefix: "secretguard:waive:", MaxDays: 365},
		MaxChangesPerInvocation: 25,
		Caching:                 Caching{MaxCallsPerHour: 10000, SustainedHours: 6},
		Checks:                  map[string]CheckSettings{},
	}
	for _, id := range AllCheckIDs() {
		want.Checks[id] = CheckSettings{Mode: ModeReport}
	}
	want.Checks[CheckCMK] = CheckSettings{Mode: ModeRemediate}
	want.classByName = b.classByName
	if !reflect.DeepEqual(*b, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", *b, want)
	}
	if len(b.classByName) != 2 {
		t.Errorf("class index %v", b.classByName)
	}
}

func TestParseDocument(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", "", "baseline: empty document"},
		{"only comments", "# nothing\n", "baseline: empty document"},
		{"null", "null\n", "baseline: empty document"},
		{"not a mapping", "- version: 1\n", "baseline: line 1: the document must be a mapping"},
		{"two documents", minimal + "---\nversion: 1\n", "baseline: line 3: more than one YAML document"},
		{"empty second document", minimal + "---\n", "more than one YAML document"},
		{"trailing garbage", `{"version": 1} }`, "trailing content after the document"},
		{"syntax error", "version: 1\nclasses: [\n", "baseline: line 2: did not find expected node content"},
		{"unknown top-level field", minimal + "checkz: {}\n", `baseline: line 3: unknown field "checkz"`},
		{"unknown nested field", "version: 1\nclasses:\n  - name: standard\n    maxRotationDay: 30\n", `baseline: line 4: unknown field "maxRotationDay"`},
		{"unknown field in match", "version: 1\nclasses:\n  - name: standard\n    maxRotationDays: 30\n    match: {prefixes: [a/]}\n", `baseline: line 5: unknown field "prefixes"`},
		{"wrong type", "version: 1\nclasses:\n  - name: standard\n    maxRotationDays: thirty\n", "baseline: line 4: cannot unmarshal !!str `thirty` into int"},
		{"duplicate key", minimal + "version: 1\n", `baseline: line 3: mapping key "version" already defined at line 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseReportsAllUnknownFields(t *testing.T) {
	_, err := Parse([]byte("version: 1\nfoo: 1\nclasses: [{name: standard, maxRotationDays: 90, bar: 2}]\n"))
	want := "baseline: line 2: unknown field \"foo\"\nbaseline: line 3: unknown field \"bar\""
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want\n%s", err, want)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Line != 2 {
		t.Errorf("errors.As FieldError = %+v", fe)
	}
}

func TestParseJSON(t *testing.T) {
	data, err := os.ReadFile("testdata/baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if c := b.ClassFor("app/x", "", nil); c.Name != "standard" || c.MaxRotationDays != 45 {
		t.Errorf("class %+v", c)
	}
	if b.Mode(CheckUnused) != ModeTicket || b.DefaultClass != "standard" {
		t.Errorf("mode %s, default class %q", b.Mode(CheckUnused), b.DefaultClass)
	}
	if _, err := Parse([]byte(`{"version": 1, "classes": [{"name": "standard", "maxRotationDays": 9, "rotation": true}]}`)); err == nil ||
		!strings.Contains(err.Error(), `line 1: unknown field "rotation"`) {
		t.Errorf("JSON unknown field: %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	b, err := LoadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if b.DefaultClass != "general" || len(b.Classes) != 2 || b.Waivers.TagPrefix != "waive:" || b.Mode(CheckCMK) != ModeRemediate {
		t.Errorf("full.yaml loaded as %+v", b)
	}

	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, err = LoadFile(missing)
	if err == nil || !errors.Is(err, os.ErrNotExist) ||
		err.Error() != "baseline: cannot read baseline file: open "+missing+": no such file or directory" {
		t.Errorf("missing file: %v", err)
	}

	for file, want := range map[string]string{
		"testdata/invalid.yaml":       "baseline: testdata/invalid.yaml: classes[0].maxRotationDays: must be between 1 and 1000, got 5000",
		"testdata/two-documents.yaml": "baseline: testdata/two-documents.yaml: line 3: more than one YAML document",
	} {
		if _, err := LoadFile(file); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("LoadFile(%s) = %v, want %q", file, err, want)
		}
	}
}

// fakeSSM serves parameters by name, as SSM GetParameter WithDecryption
// would.
type fakeSSM struct {
	params map[string][2]string // name -> value, type
	err    error
	got    string
}

func (f *fakeSSM) ReadParameter(_ context.Context, name string) (string, string, error) {
	f.got = name
	if f.err != nil {
		return "", "", f.err
	}
	p, ok := f.params[name]
	if !ok {
		return "", "", &smithy.GenericAPIError{Code: "ParameterNotFound", Message: "not found"}
	}
	return p[0], p[1], nil
}

func newFakeSSM() *fakeSSM {
	return &fakeSSM{params: map[string][2]string{
		"/secretguard/baseline": {minimal, "String"},
		"arn:aws:ssm:us-east-1:111122223333:parameter/secure": {
			"version: 1\nclasses: [{name: secure, maxRotationDays: 3}]\ndefaultClass: secure\n", "SecureString"},
		"/bad":  {"version: 1\nclasses: []\n", "String"},
		"/list": {"a,b", "StringList"},
	}}
}

func TestLoadSSM(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, param, wantClass, wantErr string
		err                             error
	}{
		{name: "String", param: "/secretguard/baseline", wantClass: "standard"},
		{name: "SecureString by ARN", param: "arn:aws:ssm:us-east-1:111122223333:parameter/secure", wantClass: "secure"},
		{name: "not found", param: "/missing", wantErr: `baseline: SSM parameter "/missing" not found`},
		{name: "access denied", param: "/secretguard/baseline", err: errors.New("AccessDeniedException"),
			wantErr: `baseline: cannot read SSM parameter "/secretguard/baseline": AccessDeniedException`},
		{name: "invalid", param: "/bad", wantErr: "baseline: ssm:/bad: classes: at least one class is required"},
		{name: "StringList", param: "/list", wantErr: `baseline: SSM parameter "/list" is a StringList; want String or SecureString`},
		{name: "empty name", param: "", wantErr: "baseline: SSM parameter name is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSSM()
			f.err = tc.err
			b, err := LoadSSM(ctx, f, tc.param)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.DefaultClass != tc.wantClass {
				t.Errorf("default class %q, want %q", b.DefaultClass, tc.wantClass)
			}
			if f.got != tc.param {
				t.Errorf("read parameter %q, want %q", f.got, tc.param)
			}
		})
	}
	var ae smithy.APIError
	if _, err := LoadSSM(ctx, newFakeSSM(), "/missing"); !errors.As(err, &ae) || ae.ErrorCode() != "ParameterNotFound" {
		t.Errorf("not found error does not wrap ParameterNotFound: %v", err)
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, source string
		client       ParameterReader
		wantClass    string
		wantErr      string
	}{
		{name: "default", source: "", wantClass: "standard"},
		{name: "ssm", source: "ssm:/secretguard/baseline", client: newFakeSSM(), wantClass: "standard"},
		{name: "ssm arn", source: "ssm:arn:aws:ssm:us-east-1:111122223333:parameter/secure", client: newFakeSSM(), wantClass: "secure"},
		{name: "ssm without client", source: "ssm:/x", wantErr: `baseline: no SSM client to read parameter "/x"`},
		{name: "file", source: "testdata/full.yaml", wantClass: "general"},
		{name: "missing file", source: "testdata/none.yaml", wantErr: "baseline: cannot read baseline file: open testdata/none.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Load(ctx, tc.source, tc.client)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.DefaultClass != tc.wantClass {
				t.Errorf("default class %q, want %q", b.DefaultClass, tc.wantClass)
			}
		})
	}
}

func TestIAMActions(t *testing.T) {
	if !reflect.DeepEqual(IAMActions, []string{"ssm:GetParameter", "kms:Decrypt"}) {
		t.Errorf("IAMActions = %v", IAMActions)
	}
}
