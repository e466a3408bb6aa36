package checks

import (
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

func accessed(t time.Time) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.LastAccessedDate = t }
}

func midnight(daysBefore int) time.Time {
	return time.Date(2025, 6, 15-daysBefore, 0, 0, 0, 0, time.UTC)
}

var unusedCases = []checkCase{
	{name: "read today is used", s: at(arnAWS), want: Compliant, has: []string{"Last read 2025-06-15"}},
	{name: "read today seen from another time zone is used", s: at(arnAWS, accessed(time.Date(2025, 6, 14, 20, 0, 0, 0, time.FixedZone("EDT", -4*3600)))),
		want: Compliant, has: []string{"2025-06-15"}},
	{name: "read exactly 90 days ago is still used", s: at(arnAWS, accessed(midnight(90))), want: Compliant},
	{name: "read 91 days ago is unused", s: at(arnAWS, accessed(midnight(91))),
		want: NonCompliant, has: []string{"Not read since 2025-03-16", "91 days", "delete it"}},
	{name: "never read but young is compliant", s: at(arnAWS, accessed(time.Time{}), created(daysAgo(10))),
		want: Compliant, has: []string{"Never read, but created"}},
	{name: "never read since an old creation is unused", s: at(arnGov, accessed(time.Time{})),
		want: NonCompliant, has: []string{"Never read since created on 2024-01-02", "delete it, or waive"}},
	{name: "an unused replica is told to remove the replica", s: at(arnEU, accessed(time.Time{}), edit(func(s *secret.Snapshot) { s.PrimaryRegion = "us-east-1" })),
		want: NonCompliant, has: []string{"remove this replica"}},
	{name: "never read with no creation date is not applicable", s: at(arnAWS, accessed(time.Time{}), created(time.Time{})), want: NotApplicable},
	{name: "a baseline without unused.days is not applicable", s: at(arnAWS),
		b: func(b *baseline.Baseline) { b.Unused.Days = 0 }, want: NotApplicable},
}

func TestUnused(t *testing.T) { runCases(t, unused{}, unusedCases) }
