package checks

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// rotationHealthy: the last rotation completed and the next is not overdue.
type rotationHealthy struct{}

func (rotationHealthy) ID() string { return baseline.CheckRotationHealthy }
func (rotationHealthy) Doc() string {
	return "Rotation works: AWSCURRENT is on a version, no AWSPENDING is left by a failed rotation, and no rotation is overdue."
}
func (rotationHealthy) Needs() Needs { return Needs{} }

// AppliesToReplicas is false: rotation runs on the primary.
func (rotationHealthy) AppliesToReplicas() bool { return false }

// defaultWindow is the rotation window assumed when RotationRules.Duration
// is unset. Secrets Manager documents (RotationRulesType.Duration) that the
// window then closes after one hour for schedules in hours and at the end of
// the UTC day for schedules in days; 24h covers both without false alarms.
const defaultWindow = 24 * time.Hour

func (r rotationHealthy) Evaluate(in Input) Finding {
	s, id := in.Secret, r.ID()
	if !s.RotationEnabled {
		return finding(id, NotApplicable, "", "Rotation is off; see %s.", baseline.CheckRotationEnabled)
	}
	logs := "read the logs of the rotation function"
	if s.RotationLambdaARN != "" {
		logs = "read the logs of " + functionName(s.RotationLambdaARN)
	}
	current := s.VersionsWith(secret.StageCurrent)
	if len(current) == 0 {
		return finding(id, NonCompliant, "", "No version carries AWSCURRENT, so clients cannot read the secret; %s and restore AWSCURRENT.", logs)
	}
	for _, p := range sorted(s.VersionsWith(secret.StagePending)) {
		if !slices.Contains(current, p) {
			return finding(id, NonCompliant, "", "AWSPENDING is on version %s, not the AWSCURRENT one: a rotation failed or is stuck, and RotateSecret fails until it is cleared; %s, then remove the label.",
				clip(p, 40), logs)
		}
	}
	window := rotationWindow(s.RotationRules.Duration)
	if !s.NextRotationDate.IsZero() && in.Now.Sub(s.NextRotationDate) > window {
		return finding(id, NonCompliant, "", "Rotation is overdue: it was due %s (window %s); %s.",
			s.NextRotationDate.UTC().Format("2006-01-02 15:04 UTC"), fmtInterval(window), logs)
	}
	last, rotated := lastRotation(s)
	since := "last rotation " + date(last)
	if !rotated {
		since = "never rotated since creation " + date(last)
	}
	// A schedule that cannot be read (d == 0) is reported by
	// rotation-schedule; one that ends still has gaps to check.
	if d, _ := MaxInterval(s.RotationRules); d > 0 && !last.IsZero() {
		due := last.Add(d + window)
		if in.Now.After(due) {
			return finding(id, NonCompliant, "", "Rotation is overdue: %s, %s allows %s plus a %s window (due %s); %s.",
				since, schedule(s.RotationRules), fmtInterval(d), fmtInterval(window), date(due), logs)
		}
	}
	if last.IsZero() {
		since = "never rotated"
	}
	return finding(id, Compliant, "", "Rotation is healthy: AWSCURRENT set, no stuck AWSPENDING, %s.", since)
}

// rotationWindow parses RotationRules.Duration ("3h"), else the default.
func rotationWindow(s string) time.Duration {
	if h, ok := strings.CutSuffix(strings.TrimSpace(s), "h"); ok {
		if n, err := strconv.Atoi(h); err == nil && n > 0 && n <= 24 {
			return time.Duration(n) * time.Hour
		}
	}
	return defaultWindow
}

// functionName shortens a Lambda ARN to its function name for annotations.
func functionName(fn string) string {
	if i := strings.Index(fn, ":function:"); i >= 0 {
		return strings.TrimSuffix(fn[i+len(":function:"):], ":$LATEST")
	}
	return fn
}

func sorted(s []string) []string { slices.Sort(s); return s }
