package checks

import (
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/secret"
)

func stages(vs map[string][]string) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.VersionStages = vs }
}

func lastRotated(t time.Time) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.LastRotatedDate = t }
}

var rotationHealthyCases = []checkCase{
	{name: "rotation off is not applicable", s: at(arnAWS, rotationOff), want: NotApplicable},
	{name: "a recent rotation with AWSCURRENT set is healthy", s: at(arnAWS),
		want: Compliant, has: []string{"last rotation 2025-06-05"}},
	{name: "no AWSCURRENT means a broken secret; read the function's logs", s: at(arnAWS, stages(map[string][]string{"v-1": {secret.StagePrevious}})),
		want: NonCompliant, has: []string{"No version carries AWSCURRENT", fnGeneric}},
	{name: "a secret without versions has no AWSCURRENT", s: at(arnGov, stages(nil)),
		want: NonCompliant, has: []string{"AWSCURRENT"}},
	{name: "AWSPENDING on another version is a stuck rotation", s: at(arnCN, stages(map[string][]string{
		"v-1": {secret.StageCurrent}, "v-2": {secret.StagePending},
	})),
		want: NonCompliant, has: []string{"AWSPENDING is on version v-2", "RotateSecret fails"}},
	{name: "AWSPENDING on the AWSCURRENT version is a finished rotation", s: at(arnAWS, stages(map[string][]string{
		"v-1": {secret.StageCurrent, secret.StagePending},
	})),
		want: Compliant},
	{name: "rotation overdue past interval and default window", s: at(arnAWS, lastRotated(daysAgo(40))),
		want: NonCompliant, has: []string{"overdue", "last rotation 2025-05-06", "1 day window", "due 2025-06-06"}},
	{name: "a rotation inside the default window is not overdue", s: at(arnAWS, lastRotated(now.Add(-30*day-12*time.Hour))),
		want: Compliant},
	{name: "a short Duration makes the same rotation overdue", s: at(arnAWS, lastRotated(now.Add(-30*day-12*time.Hour)), edit(func(s *secret.Snapshot) {
		s.RotationRules.Duration = "2h"
	})),
		want: NonCompliant, has: []string{"2h window"}},
	{name: "never rotated since an old creation is overdue", s: at(arnAWS, lastRotated(time.Time{})),
		want: NonCompliant, has: []string{"never rotated since creation 2024-01-02"}},
	{name: "NextRotationDate past the window is overdue", s: at(arnAWS, edit(func(s *secret.Snapshot) { s.NextRotationDate = daysAgo(3) })),
		want: NonCompliant, has: []string{"was due 2025-06-12 12:00 UTC"}},
	{name: "NextRotationDate inside the window is not overdue", s: at(arnAWS, edit(func(s *secret.Snapshot) { s.NextRotationDate = now.Add(-2 * time.Hour) })),
		want: Compliant},
	{name: "a weekly cron 9 days after the last rotation is overdue", s: at(arnGov, scheduled("cron(0 4 ? * SUN *)"), lastRotated(daysAgo(9))),
		want: NonCompliant, has: []string{"cron(0 4 ? * SUN *)", "7 days"}},
	{name: "an unreadable schedule is left to rotation-schedule", s: at(arnAWS, scheduled("every full moon"), lastRotated(daysAgo(400))),
		want: Compliant},
}

func TestRotationHealthy(t *testing.T) { runCases(t, rotationHealthy{}, rotationHealthyCases) }

func TestRotationWindow(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": defaultWindow, "3h": 3 * time.Hour, " 24h ": 24 * time.Hour, "0h": defaultWindow, "25h": defaultWindow, "3": defaultWindow, "xh": defaultWindow,
	} {
		if got := rotationWindow(in); got != want {
			t.Errorf("rotationWindow(%q) = %v, want %v", in, got, want)
		}
	}
}
