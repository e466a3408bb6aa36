package engine_test

import (
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
)

func TestDecide(t *testing.T) {
	nc := checks.NonCompliant
	for _, tc := range []struct {
		name string
		f    engine.Facts
		want engine.Decision
		why  string
	}{
		{"compliant", engine.Facts{Compliance: checks.Compliant, Mode: baseline.ModeRemediate}, engine.DecideNothing, ""},
		{"not applicable", engine.Facts{Compliance: checks.NotApplicable, Mode: baseline.ModeRemediate}, engine.DecideNothing, ""},
		{"waived beats remediate", engine.Facts{Compliance: checks.NotApplicable, Waived: true, Mode: baseline.ModeRemediate, Remedy: "add-tags", RemedyKnown: true}, engine.DecideWaived, "waiver"},
		{"report", engine.Facts{Compliance: nc, Mode: baseline.ModeReport, Remedy: "add-tags", RemedyKnown: true}, engine.DecideReport, "mode is report"},
		{"unset mode reports", engine.Facts{Compliance: nc, Remedy: "add-tags", RemedyKnown: true}, engine.DecideReport, "mode is report"},
		{"ticket", engine.Facts{Compliance: nc, Mode: baseline.ModeTicket, Remedy: "add-tags", RemedyKnown: true}, engine.DecideTicket, "mode is ticket"},
		{"remediate", engine.Facts{Compliance: nc, Mode: baseline.ModeRemediate, Remedy: "add-tags", RemedyKnown: true, Changes: 24, Cap: 25}, engine.DecideRemediate, ""},
		{"no remedy", engine.Facts{Compliance: nc, Mode: baseline.ModeRemediate}, engine.DecideTicket, "No remedy"},
		{"unknown remedy", engine.Facts{Compliance: nc, Mode: baseline.ModeRemediate, Remedy: "magic"}, engine.DecideTicket, "No remedy"},
		{"cap reached", engine.Facts{Compliance: nc, Mode: baseline.ModeRemediate, Remedy: "add-tags", RemedyKnown: true, Changes: 25, Cap: 25}, engine.DecideTicket, "cap of 25"},
		{"no cap", engine.Facts{Compliance: nc, Mode: baseline.ModeRemediate, Remedy: "add-tags", RemedyKnown: true, Changes: 1000}, engine.DecideRemediate, ""},
		{"cap in ticket mode is moot", engine.Facts{Compliance: nc, Mode: baseline.ModeTicket, Remedy: "add-tags", RemedyKnown: true, Changes: 25, Cap: 25}, engine.DecideTicket, "mode is ticket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := engine.Decide(tc.f)
			if got != tc.want || (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
				t.Errorf("Decide = %s %q, want %s containing %q", got, why, tc.want, tc.why)
			}
		})
	}
}
