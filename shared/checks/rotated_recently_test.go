package checks

import (
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

func created(t time.Time) func(*secret.Snapshot) {
	return func(s *secret.Snapshot) { s.CreatedDate, s.LastRotatedDate = t, time.Time{} }
}

var rotatedRecentlyCases = []checkCase{
	{name: "rotated 10 days ago is compliant", s: at(arnAWS),
		want: Compliant, has: []string{"Last rotated 2025-06-05"}},
	{name: "rotated exactly at the limit is compliant", s: at(arnAWS, lastRotated(daysAgo(90))), want: Compliant},
	{name: "rotated a day past the limit with rotation off needs enable-rotation", s: at(arnAWS, rotationOff, lastRotated(daysAgo(91))),
		want: NonCompliant, remedy: baseline.RemedyEnableRotation, has: []string{"91 days ago", "limit 90", "rotation is off"}},
	{name: "stale although rotation is on points to rotation-healthy", s: at(arnAWS, lastRotated(daysAgo(200))),
		want: NonCompliant, has: []string{baseline.CheckRotationHealthy}},
	{name: "a stale service-managed secret is rotated through the service", s: at(arnCN, rotationOff, ownedBy("redshift"), lastRotated(daysAgo(200))),
		want: NonCompliant, has: []string{"through redshift"}},
	{name: "never rotated but created recently is compliant", s: at(arnAWS, rotationOff, created(daysAgo(5))),
		want: Compliant, has: []string{"Never rotated; created"}},
	{name: "never rotated since an old creation is non-compliant", s: at(arnGov, rotationOff, created(time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC))),
		want: NonCompliant, remedy: baseline.RemedyEnableRotation, has: []string{"Never rotated; created 2024-01-02"}},
	{name: "no known date is not applicable", s: at(arnAWS, created(time.Time{})), want: NotApplicable},
	{name: "a baseline without rotatedRecently.days is not applicable", s: at(arnAWS),
		b: func(b *baseline.Baseline) { b.Rotated.Days = 0 }, want: NotApplicable},
}

func TestRotatedRecently(t *testing.T) { runCases(t, rotatedRecently{}, rotatedRecentlyCases) }
