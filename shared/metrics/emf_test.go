package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

var fixed = time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

func newFixed(buf *bytes.Buffer) *Logger {
	l := New(buf)
	l.Now = func() time.Time { return fixed }
	return l
}

func TestWriteExactShape(t *testing.T) {
	var buf bytes.Buffer
	s := NewSet("Function", "evaluator", "Check", "cmk")
	s.Count("SecretsEvaluated", 250)
	s.Count("NonCompliant", 3)
	s.Milliseconds("Duration", 1500*time.Millisecond)
	s.Property("rule", "secretguard-cmk")
	if err := newFixed(&buf).Write(s); err != nil {
		t.Fatal(err)
	}
	want := `{"Check":"cmk","Duration":1500,"Function":"evaluator","NonCompliant":3,"SecretsEvaluated":250,` +
		`"_aws":{"Timestamp":1767323045678,"CloudWatchMetrics":[{"Namespace":"secretguard","Dimensions":[["Function","Check"]],` +
		`"Metrics":[{"Name":"SecretsEvaluated","Unit":"Count"},{"Name":"NonCompliant","Unit":"Count"},{"Name":"Duration","Unit":"Milliseconds"}]}]},` +
		`"rule":"secretguard-cmk"}` + "\n"
	if got := buf.String(); got != want {
		t.Fatalf("EMF line\n got %s\nwant %s", got, want)
	}
	assertSpec(t, buf.Bytes())
}

// assertSpec checks a line against the EMF specification's rules: one JSON
// object; _aws with an integer Timestamp and CloudWatchMetrics only; each
// directive with Namespace, Dimensions and Metrics only; dimension targets
// are root strings, metric targets root numbers; at most 9 dimension keys
// and 100 metrics.
func assertSpec(t *testing.T, line []byte) {
	t.Helper()
	if bytes.Count(bytes.TrimSuffix(line, []byte("\n")), []byte("\n")) != 0 {
		t.Fatalf("not one line: %q", line)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	if dec.More() {
		t.Fatal("data after the JSON object")
	}
	meta, ok := root["_aws"].(map[string]any)
	if !ok {
		t.Fatal("no _aws object")
	}
	keys(t, meta, "Timestamp", "CloudWatchMetrics")
	ts, ok := meta["Timestamp"].(json.Number)
	if _, err := ts.Int64(); !ok || err != nil {
		t.Fatalf("Timestamp %v is not an integer", meta["Timestamp"])
	}
	dirs, ok := meta["CloudWatchMetrics"].([]any)
	if !ok || len(dirs) == 0 {
		t.Fatal("CloudWatchMetrics is not a non-empty array")
	}
	for _, d := range dirs {
		dir := d.(map[string]any)
		keys(t, dir, "Namespace", "Dimensions", "Metrics")
		if ns, _ := dir["Namespace"].(string); ns == "" || len(ns) > 255 {
			t.Fatalf("Namespace %v", dir["Namespace"])
		}
		for _, set := range dir["Dimensions"].([]any) {
			ks := set.([]any)
			if len(ks) > MaxDimensions {
				t.Fatalf("%d dimension keys", len(ks))
			}
			for _, k := range ks {
				if v, ok := root[k.(string)].(string); !ok || v == "" {
					t.Fatalf("dimension %v has no string target on the root", k)
				}
			}
		}
		ms := dir["Metrics"].([]any)
		if len(ms) > MaxMetrics {
			t.Fatalf("%d metrics", len(ms))
		}
		for _, m := range ms {
			def := m.(map[string]any)
			for k := range def {
				if k != "Name" && k != "Unit" {
					t.Fatalf("MetricDefinition has member %q", k)
				}
			}
			if _, ok := root[def["Name"].(string)].(json.Number); !ok {
				t.Fatalf("metric %v has no numeric target on the root", def["Name"])
			}
		}
	}
}

func keys(t *testing.T, m map[string]any, want ...string) {
	t.Helper()
	if len(m) != len(want) {
		t.Fatalf("members %v, want exactly %v", m, want)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Fatalf("missing member %q in %v", k, m)
		}
	}
}

func TestLimitsAndBadInput(t *testing.T) {
	tooMany := NewSet("Function", "f")
	for i := range MaxMetrics + 1 {
		tooMany.Count(fmt.Sprintf("M%d", i), i)
	}
	dims := make([]string, 0, 20)
	for i := range MaxDimensions + 1 {
		dims = append(dims, fmt.Sprintf("D%d", i), "v")
	}
	clash := NewSet("Check", "cmk")
	clash.Count("Check", 1)
	tests := []struct {
		name string
		set  *Set
		want string
	}{
		{"too many metrics", tooMany, "at most 100"},
		{"too many dimensions", NewSet(dims...), "at most 9"},
		{"metric named like a dimension", clash, "name of a dimension"},
		{"nil", nil, "nil Set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := newFixed(&buf).Write(tt.set)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Fatalf("wrote %q on error", buf.String())
			}
		})
	}
}

func TestEmptyDimensionValueAndReplace(t *testing.T) {
	var buf bytes.Buffer
	s := NewSet("Function", "evaluator", "Check", "")
	s.Count("HandOvers", 1)
	s.Count("HandOvers", 2)
	if err := newFixed(&buf).Write(s); err != nil {
		t.Fatal(err)
	}
	assertSpec(t, buf.Bytes())
	var root map[string]any
	_ = json.Unmarshal(buf.Bytes(), &root)
	if root["Check"] != "none" || root["HandOvers"] != 2.0 {
		t.Fatalf("root %v", root)
	}
}

func Example() {
	l := New(os.Stdout)
	l.Now = func() time.Time { return time.UnixMilli(1767323045678) }
	s := NewSet("Function", "evaluator", "Check", "rotation-schedule")
	s.Count("SecretsEvaluated", 100)
	_ = l.Write(s)
	// Output:
	// {"Check":"rotation-schedule","Function":"evaluator","SecretsEvaluated":100,"_aws":{"Timestamp":1767323045678,"CloudWatchMetrics":[{"Namespace":"secretguard","Dimensions":[["Function","Check"]],"Metrics":[{"Name":"SecretsEvaluated","Unit":"Count"}]}]}}
}
