package checks

import (
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

var rotationScheduleCases = []checkCase{
	{name: "rotation off is not applicable", s: at(arnAWS, rotationOff),
		want: NotApplicable, has: []string{baseline.CheckRotationEnabled}},
	{name: "a rate within the class maximum is compliant", s: at(arnAWS),
		want: Compliant, has: []string{"rate(30 days)", "30 days", "90 days"}},
	{name: "a rate in hours is compliant and says so", s: at(arnAWS, scheduled("rate(12 hours)")),
		want: Compliant, has: []string{"12h"}},
	{name: "AutomaticallyAfterDays beyond the maximum needs fix-schedule", s: at(arnAWS, edit(func(s *secret.Snapshot) {
		s.RotationRules = secret.RotationRules{AutomaticallyAfterDays: 120}
	})),
		want: NonCompliant, remedy: baseline.RemedyFixSchedule, has: []string{"every 120 days", "120 days between", "allows 90 days"}},
	{name: "a weekly cron meets a 7-day class", s: at(arnGov, scheduled("cron(0 4 ? * SUN *)")),
		want: Compliant, has: []string{"7 days"}},
	{name: "the first Friday of the month leaves up to 35 days", s: at(arnGov, scheduled("cron(0 0 ? * 6#1 *)")),
		want: NonCompliant, remedy: baseline.RemedyFixSchedule, has: []string{"35 days", "class api-key allows 7 days"}},
	{name: "a service-managed secret is fixed through the service", s: at(arnCN, ownedBy("rds"), scheduled("rate(60 days)")),
		want: NonCompliant, has: []string{"through rds", "60 days"}},
	{name: "a cron whose year field ends stops rotating", s: at(arnAWS, scheduled("cron(0 0 1 * ? 2025-2026)")),
		want: NonCompliant, remedy: baseline.RemedyFixSchedule, has: []string{"stops after 2026", "use * for the year"}},
	{name: "a cron whose year field ended has stopped rotating", s: at(arnAWS, scheduled("cron(0 0 1 * ? 2024)")),
		want: NonCompliant, remedy: baseline.RemedyFixSchedule, has: []string{"stopped after 2024"}},
	{name: "an unreadable schedule is named without a remedy", s: at(arnAWS, scheduled("cron(0 0 * * * *)")),
		want: NonCompliant, has: []string{"cron(0 0 * * * *)", "one must be ?", "90 days"}},
	{name: "a cron that never fires is non-compliant", s: at(arnAWS, scheduled("cron(0 0 31 FEB ? *)")),
		want: NonCompliant, has: []string{"fires on no day"}},
	{name: "rotation on without any schedule is non-compliant", s: at(arnAWS, edit(func(s *secret.Snapshot) { s.RotationRules = secret.RotationRules{} })),
		want: NonCompliant, has: []string{"no rotation schedule"}},
	{name: "a class without a maximum accepts any schedule", s: at(arnAWS, scheduled("rate(400 days)")),
		b:    func(b *baseline.Baseline) { b.Classes[2].MaxRotationDays = 0 },
		want: Compliant, has: []string{"sets no maxRotationDays"}},
	{name: "a baseline without a class for the secret is not applicable", s: at(arnAWS),
		b:    func(b *baseline.Baseline) { b.DefaultClass = "" },
		want: NotApplicable},
}

func TestRotationSchedule(t *testing.T) { runCases(t, rotationSchedule{}, rotationScheduleCases) }
