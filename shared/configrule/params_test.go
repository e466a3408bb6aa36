package configrule

import (
	"reflect"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name, in, err string
		check         string
		maxRot        int
		tags          []string
	}{
		{name: "check only", in: `{"check":"cmk"}`, check: "cmk"},
		{name: "spaces trimmed", in: `{"check":" cmk "}`, check: "cmk"},
		{name: "numbers accepted", in: `{"check":"rotation-schedule","maxRotationDays":30}`, check: "rotation-schedule", maxRot: 30},
		{name: "string days", in: `{"check":"rotation-schedule","maxRotationDays":"7"}`, check: "rotation-schedule", maxRot: 7},
		{name: "tags deduplicated", in: `{"check":"required-tags","requiredTags":"owner, team ,owner"}`, check: "required-tags", tags: []string{"owner", "team"}},
		{name: "empty string", in: ``, err: `"check" is missing`},
		{name: "empty object", in: `{}`, err: `"check" is missing`},
		{name: "empty check", in: `{"check":""}`, err: `"check" is missing`},
		{name: "unknown check", in: `{"check":"nope"}`, err: `unknown check "nope" (known: caching, cloudtrail-read-events, cmk,`},
		{name: "unknown key named", in: `{"check":"cmk","maxRotationDays":"3","colour":"red"}`, err: `unknown rule parameter "colour"`},
		{name: "not an object", in: `["check"]`, err: "not a JSON object"},
		{name: "check not a string", in: `{"check":{"id":"cmk"}}`, err: `"check" must be a string`},
		{name: "zero days", in: `{"check":"cmk","unusedDays":"0"}`, err: `"unusedDays": "0" is not a whole number of days from 1 to 3650`},
		{name: "negative days", in: `{"check":"cmk","rotatedRecentlyDays":-5}`, err: `"rotatedRecentlyDays": "-5"`},
		{name: "fraction", in: `{"check":"cmk","maxRotationDays":"7.5"}`, err: `"maxRotationDays": "7.5"`},
		{name: "rotation above 1000", in: `{"check":"cmk","maxRotationDays":"1001"}`, err: "from 1 to 1000"},
		{name: "empty tag key", in: `{"check":"cmk","requiredTags":"owner,,team"}`, err: "empty tag key"},
		{name: "no tags", in: `{"check":"cmk","requiredTags":""}`, err: "empty tag key"},
		{name: "reserved tag", in: `{"check":"cmk","requiredTags":"aws:createdBy"}`, err: "reserved aws: prefix"},
		{name: "long tag", in: `{"check":"cmk","requiredTags":"` + strings.Repeat("k", 129) + `"}`, err: "longer than 128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseParams(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Check != tt.check || (tt.maxRot != 0 && *p.MaxRotationDays != tt.maxRot) || !reflect.DeepEqual(p.RequiredTags, tt.tags) {
				t.Fatalf("params %+v", p)
			}
		})
	}
}

func TestApplyCopies(t *testing.T) {
	b := baseline.Default()
	b.RequiredTags = []baseline.TagRule{{Key: "environment", AllowedValues: []string{"prod", "dev"}}, {Key: "owner"}}
	orig := baseline.Default()
	orig.RequiredTags = []baseline.TagRule{{Key: "environment", AllowedValues: []string{"prod", "dev"}}, {Key: "owner"}}

	p, err := ParseParams(`{"check":"rotation-schedule","maxRotationDays":"14","unusedDays":"30","rotatedRecentlyDays":"20","requiredTags":"environment,cost-center"}`)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Apply(b)
	if err != nil {
		t.Fatal(err)
	}
	if c == b {
		t.Fatal("Apply returned the original baseline")
	}
	for _, cl := range c.Classes {
		want := min(14, b.Class(cl.Name).MaxRotationDays)
		if cl.MaxRotationDays != want {
			t.Errorf("class %s maxRotationDays %d, want %d", cl.Name, cl.MaxRotationDays, want)
		}
	}
	if c.Class("api-key").MaxRotationDays != 7 {
		t.Error("a stricter class lost its value")
	}
	if got := c.ClassFor("database/x", "", nil); got != &c.Classes[0] || got.MaxRotationDays != 14 {
		t.Errorf("ClassFor on the copy returned %+v", got)
	}
	if c.Unused.Days != 30 || c.Rotated.Days != 20 {
		t.Errorf("days %d %d", c.Unused.Days, c.Rotated.Days)
	}
	wantTags := []baseline.TagRule{{Key: "environment", AllowedValues: []string{"prod", "dev"}}, {Key: "cost-center"}}
	if !reflect.DeepEqual(c.RequiredTags, wantTags) {
		t.Errorf("tags %+v", c.RequiredTags)
	}
	c.RequiredTags[0].AllowedValues[0] = "changed"
	if !reflect.DeepEqual(b, orig) {
		t.Fatal("Apply changed the original baseline")
	}
	if b.ClassFor("database/x", "", nil).MaxRotationDays != 30 {
		t.Fatal("the original's class index sees the copy")
	}
}

func TestApplyNoOverrides(t *testing.T) {
	b := baseline.Default()
	p, _ := ParseParams(`{"check":"cmk"}`)
	c, err := p.Apply(b)
	if err != nil || c != b {
		t.Fatalf("Apply without overrides = %p, %v; want the baseline itself", c, err)
	}
	if _, err := p.Apply(nil); err == nil {
		t.Fatal("Apply(nil) did not fail")
	}
}
