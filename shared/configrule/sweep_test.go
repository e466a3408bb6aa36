package configrule

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWithContinuationKeepsTheEvent(t *testing.T) {
	raw := readSample(t, "scheduled.json")
	raw = []byte(strings.Replace(string(raw), `"version": "1.0",`, `"version": "1.0", "newMemberAWSAdds": {"x": 1},`, 1))
	started := time.Date(2026, 3, 2, 0, 0, 0, 373e6, time.UTC)
	out, err := withContinuation(raw, Continuation{StartToken: "tok", Hop: 2, ChainStartedAt: started, EvaluatedSoFar: 200})
	if err != nil {
		t.Fatal(err)
	}
	var before, after map[string]any
	_ = json.Unmarshal(raw, &before)
	_ = json.Unmarshal(out, &after)
	for k, v := range before {
		if !reflect.DeepEqual(after[k], v) {
			t.Errorf("member %s changed: %v -> %v", k, v, after[k])
		}
	}
	inv, err := Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	c := inv.Event.Continuation
	if c == nil || c.StartToken != "tok" || c.Hop != 2 || !c.ChainStartedAt.Equal(started) || c.EvaluatedSoFar != 200 {
		t.Fatalf("continuation %+v", c)
	}
}

func TestMarginAndChainLimit(t *testing.T) {
	lim := SweepLimits{}.withDefaults()
	if lim.margin(time.Second) != 30*time.Second || lim.margin(20*time.Second) != time.Minute {
		t.Fatalf("margins %s %s", lim.margin(time.Second), lim.margin(20*time.Second))
	}
	now := time.Now()
	tests := []struct {
		hop     int
		started time.Time
		want    string
	}{
		{1, now.Add(-time.Hour), ""},
		{100, now.Add(-23 * time.Hour), ""},
		{101, now, "more than the 100 allowed"},
		{5, now.Add(-25 * time.Hour), "longer than the 24h0m0s allowed"},
	}
	for _, tt := range tests {
		if got := chainLimit(lim, tt.hop, tt.started, now); (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("chainLimit(hop %d, started %s ago) = %q, want %q", tt.hop, now.Sub(tt.started), got, tt.want)
		}
	}
}
