package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

const day = 24 * time.Hour

// lastRotation returns when the secret last got a new value by rotation:
// LastRotatedDate, else CreatedDate (zero when neither is known).
func lastRotation(s *secret.Snapshot) (t time.Time, rotated bool) {
	if !s.LastRotatedDate.IsZero() {
		return s.LastRotatedDate, true
	}
	return s.CreatedDate, false
}

// date formats a time as a UTC calendar day.
func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// civilDays returns the number of whole UTC calendar days from a to b
// (negative when b is before a), ignoring the time of day.
func civilDays(a, b time.Time) int {
	da := a.UTC().Truncate(day) // Truncate works on absolute time: UTC midnight
	db := b.UTC().Truncate(day)
	return int(db.Sub(da) / day)
}

// fmtInterval renders a schedule interval for people: "30 days", "1 day",
// "6 days 12h", "12h", "1h30m".
func fmtInterval(d time.Duration) string {
	switch {
	case d == day:
		return "1 day"
	case d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	case d > 2*day:
		return fmt.Sprintf("%d days %s", d/day, fmtInterval(d%day))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}

// schedule describes a secret's rotation rules for an annotation.
func schedule(r secret.RotationRules) string {
	if r.ScheduleExpression != "" {
		return r.ScheduleExpression
	}
	if r.AutomaticallyAfterDays > 0 {
		return fmt.Sprintf("every %d days", r.AutomaticallyAfterDays)
	}
	return "no schedule"
}

// brief joins up to max items and says how many more there are, so that a
// long list (tags, Regions, keys) cannot crowd the rest of an annotation out.
func brief(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s (+%d more)", strings.Join(items[:max], ", "), len(items)-max)
}

// clip shortens a value chosen by someone else (a tag value, an AWS status
// message) to n bytes before it goes into an annotation.
func clip(s string, n int) string { return truncateTo(s, n) }

// problemOr returns what the Observer could not learn about a secret, or
// fallback when it recorded nothing.
func problemOr(s *secret.Snapshot, fallback string) string {
	if p := strings.TrimSpace(s.Problem); p != "" {
		return clip(p, 160)
	}
	return fallback
}

// className names a class for annotations.
func className(c *baseline.Class) string {
	if c == nil || c.Name == "" {
		return "(none)"
	}
	return c.Name
}

// noClass is the verdict of a check that needs the secret's class when the
// baseline gives none (only possible with an unvalidated baseline).
func noClass(id string) Finding {
	return finding(id, NotApplicable, "", "The baseline assigns this secret no class (no match and no valid defaultClass); fix the baseline.")
}

// functionKey describes what selects a rotation function: class, engine
// and strategy.
func functionKey(c *baseline.Class, tags map[string]string) string {
	engine := "unset"
	if e := strings.ToLower(tags[baseline.EngineTag]); e != "" {
		engine = clip(e, 24)
	}
	strategy := baseline.StrategySingleUser
	if c != nil {
		strategy = c.StrategyFor(tags)
	}
	return fmt.Sprintf("class %s, engine %s, strategy %s", className(c), engine, strategy)
}

// serviceHint says how to change rotation of a secret another service owns.
func serviceHint(service string) string {
	switch strings.ToLower(service) {
	case "rds":
		return "enable it through RDS (ManageMasterUserPassword on the DB instance or cluster)"
	case "redshift":
		return "enable it through Redshift (ManageAdminPassword on the cluster)"
	case "docdb", "neptune":
		return "enable it through " + service + " (ManageMasterUserPassword on the cluster)"
	}
	return "enable it through " + service
}

// sortedKeys returns the keys of a set, sorted.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
