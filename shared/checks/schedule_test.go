package checks

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/secret"
)

func expr(e string) secret.RotationRules { return secret.RotationRules{ScheduleExpression: e} }

func TestMaxInterval(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    secret.RotationRules
		want time.Duration
	}{
		{"AutomaticallyAfterDays", secret.RotationRules{AutomaticallyAfterDays: 30}, 30 * day},
		{"a schedule wins over the derived AutomaticallyAfterDays", secret.RotationRules{AutomaticallyAfterDays: 7, ScheduleExpression: "rate(30 days)"}, 30 * day},
		{"rate in hours", expr("rate(12 hours)"), 12 * time.Hour},
		{"rate of one hour, singular", expr("rate(1 hour)"), time.Hour},
		{"rate in days", expr("rate(30 days)"), 30 * day},
		{"rate of one day, singular", expr("rate(1 day)"), day},
		{"spaces inside the parentheses", expr(" rate( 4 hours ) "), 4 * time.Hour},
		{"weekly on Sunday", expr("cron(0 4 ? * SUN *)"), 7 * day},
		{"weekly by number, 1 is Sunday", expr("cron(0 4 ? * 1 *)"), 7 * day},
		{"first of the month", expr("cron(0 0 1 * ? *)"), 31 * day},
		{"last day of the month", expr("cron(0 0 L * ? *)"), 31 * day},
		{"first Friday of the month", expr("cron(0 0 ? * 6#1 *)"), 35 * day},
		{"first Friday by name", expr("cron(0 0 ? * FRI#1 *)"), 35 * day},
		{"twice a year", expr("cron(0 0 1 1,7 ? *)"), 184 * day},
		{"month names", expr("cron(0 0 1 JAN,jul ? *)"), 184 * day},
		{"weekdays", expr("cron(0 0 ? * MON-FRI *)"), 3 * day},
		{"a weekday range wrapping the week", expr("cron(0 0 ? * FRI-MON *)"), 4 * day},
		{"last Saturday (L alone in day-of-week)", expr("cron(0 0 ? * L *)"), 7 * day},
		{"last Monday of the month", expr("cron(0 0 ? * 2L *)"), 35 * day},
		{"L listed with a weekday", expr("cron(0 0 ? * L,MON *)"), 5 * day},
		{"L listed with a day", expr("cron(0 0 L,10 * ? *)"), 21 * day},
		{"every 4 hours", expr("cron(0 */4 * * ? *)"), 4 * time.Hour},
		{"hours listed unevenly", expr("cron(0 1,3,20 * * ? *)"), 17 * time.Hour},
		{"twice on Mondays: the week minus the spread", expr("cron(0 8,20 ? * MON *)"), 7*day - 12*time.Hour},
		{"minute steps", expr("cron(0/15 * * * ? *)"), 15 * time.Minute},
		{"every 10th day from the 1st", expr("cron(0 0 1/10 * ? *)"), 10 * day},
		{"day-of-month range with step", expr("cron(0 0 1-20/5 * ? *)"), 16 * day},
		{"February 29 only: every four years", expr("cron(0 0 29 2 ? *)"), 1461 * day},
		{"an open-ended year step still runs", expr("cron(0 0 1 1 ? 2000/1)"), 366 * day},
		{"quarterly, months by step", expr("cron(0 0 1 */3 ? *)"), 92 * day},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MaxInterval(tc.r)
			if err != nil || got != tc.want {
				t.Fatalf("MaxInterval(%+v) = %v, %v; want %v", tc.r, got, err, tc.want)
			}
		})
	}
}

// TestMaxIntervalAgainstReference compares cron gaps with a naive walk over
// every day of the span using only the time package.
func TestMaxIntervalAgainstReference(t *testing.T) {
	lastDay := func(d time.Time) int { return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() }
	isWeekday := func(d time.Time) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday }
	nearestWeekday := func(d time.Time, n int) bool {
		if n > lastDay(d) {
			return false
		}
		target := time.Date(d.Year(), d.Month(), n, 0, 0, 0, 0, time.UTC)
		for _, off := range []int{0, -1, 1, -2, 2} { // ties cannot happen: at most one of ±1 is a weekday
			c := target.AddDate(0, 0, off)
			if c.Month() == d.Month() && isWeekday(c) {
				return c.Day() == d.Day()
			}
		}
		return false
	}
	for _, tc := range []struct {
		expr string
		fire func(time.Time) bool
	}{
		{"cron(0 0 15W * ? *)", func(d time.Time) bool { return nearestWeekday(d, 15) }},
		{"cron(0 0 1W * ? *)", func(d time.Time) bool { return nearestWeekday(d, 1) }},
		{"cron(0 0 31W * ? *)", func(d time.Time) bool { return nearestWeekday(d, 31) }},
		{"cron(0 0 LW * ? *)", func(d time.Time) bool {
			for x := lastDay(d); ; x-- {
				if c := time.Date(d.Year(), d.Month(), x, 0, 0, 0, 0, time.UTC); isWeekday(c) {
					return x == d.Day()
				}
			}
		}},
		{"cron(0 0 L-3 * ? *)", func(d time.Time) bool { return d.Day() == lastDay(d)-3 }},
		{"cron(0 0 ? * 3#2,6#4 *)", func(d time.Time) bool {
			n := (d.Day()-1)/7 + 1
			return (d.Weekday() == time.Tuesday && n == 2) || (d.Weekday() == time.Friday && n == 4)
		}},
		{"cron(0 0 ? * 1#5 *)", func(d time.Time) bool { return d.Weekday() == time.Sunday && d.Day() > 28 }},
		{"cron(0 0 ? * 5L *)", func(d time.Time) bool { return d.Weekday() == time.Thursday && d.Day()+7 > lastDay(d) }},
		{"cron(0 0 ? FEB,AUG MON-WED *)", func(d time.Time) bool {
			return (d.Month() == 2 || d.Month() == 8) && d.Weekday() >= time.Monday && d.Weekday() <= time.Wednesday
		}},
		{"cron(0 0 28-3 * ? *)", func(d time.Time) bool { return d.Day() >= 28 || d.Day() <= 3 }},
		{"cron(0 0 L,15 NOV-FEB ? *)", func(d time.Time) bool {
			return (d.Month() >= 11 || d.Month() <= 2) && (d.Day() == 15 || d.Day() == lastDay(d))
		}},
		{"cron(0 0 1 1 ? 1970/7)", func(d time.Time) bool { return d.YearDay() == 1 && (d.Year()-1970)%7 == 0 }},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			want, prev := 0, time.Time{}
			for d := time.Date(cronFirstYear, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= cronLastYear; d = d.AddDate(0, 0, 1) {
				if !tc.fire(d) {
					continue
				}
				if !prev.IsZero() {
					want = max(want, int(d.Sub(prev)/day))
				}
				prev = d
			}
			got, err := MaxInterval(expr(tc.expr))
			if err != nil || got != time.Duration(want)*day {
				t.Fatalf("MaxInterval = %v, %v; the reference walk says %d days", got, err, want)
			}
		})
	}
}

func TestMaxIntervalEnds(t *testing.T) {
	for _, tc := range []struct {
		expr     string
		lastYear int
		want     time.Duration
	}{
		{"cron(0 0 1 1 ? 2024-2026)", 2026, 366 * day}, // 2024 is a leap year
		{"cron(0 0 1 * ? 2025)", 2025, 31 * day},
		{"cron(0 0 1 1 ? 2025)", 2025, 0}, // fires once: no gap
		{"cron(0 0 1 1 ? 2020,2030)", 2030, 3653 * day},
		{"cron(0 0 29 2 ? 2020-2098)", 2096, 1461 * day},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := MaxInterval(expr(tc.expr))
			var ends *ScheduleEndsError
			if !errors.As(err, &ends) || ends.LastYear != tc.lastYear || got != tc.want {
				t.Fatalf("MaxInterval = %v, %v; want %v and the end after %d", got, err, tc.want, tc.lastYear)
			}
			if !strings.Contains(err.Error(), tc.expr) {
				t.Errorf("error %q does not name the expression", err)
			}
		})
	}
}

func TestMaxIntervalErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    secret.RotationRules
		msg  string
	}{
		{"no schedule at all", secret.RotationRules{}, "no rotation schedule"},
		{"negative days", secret.RotationRules{AutomaticallyAfterDays: -1}, "out of range"},
		{"rate in minutes", expr("rate(5 minutes)"), "not hours or days"},
		{"rate of zero", expr("rate(0 days)"), "not a positive number"},
		{"rate without a number", expr("rate(days)"), "want rate(N hours)"},
		{"an at() expression", expr("at(2025-01-01T00:00:00)"), "want rate(...) or cron(...)"},
		{"unbalanced parenthesis", expr("cron(0 0 1 * ? *"), "want rate(...) or cron(...)"},
		{"five fields", expr("cron(0 0 1 * ?)"), "want 6 fields"},
		{"both day fields name days", expr("cron(0 0 * * * *)"), "one must be ?"},
		{"both day fields are ?", expr("cron(0 0 ? * ? *)"), "both ?"},
		{"minute out of range", expr("cron(60 0 1 * ? *)"), "minutes \"60\""},
		{"hour out of range", expr("cron(0 24 1 * ? *)"), "hours \"24\""},
		{"month out of range", expr("cron(0 0 1 13 ? *)"), "month \"13\""},
		{"unknown month name", expr("cron(0 0 1 JANUARY ? *)"), "month \"JANUARY\""},
		{"weekday 0", expr("cron(0 0 ? * 0 *)"), "day-of-week \"0\""},
		{"weekday 8", expr("cron(0 0 ? * 8 *)"), "day-of-week \"8\""},
		{"a sixth weekday", expr("cron(0 0 ? * MON#6 *)"), "n#k"},
		{"nearest weekday to day 32", expr("cron(0 0 32W * ? *)"), "nW"},
		{"L minus too much", expr("cron(0 0 L-31 * ? *)"), "L-n"},
		{"step of zero", expr("cron(0/0 0 1 * ? *)"), "step"},
		{"backwards years", expr("cron(0 0 1 * ? 2030-2025)"), "backwards"},
		{"a year out of range", expr("cron(0 0 1 * ? 2300)"), "year \"2300\""},
		{"fires on no day", expr("cron(0 0 30 FEB ? *)"), "fires on no day"},
		{"fires only beyond the span", expr("cron(0 0 1 1 ? 2150)"), "fires on no day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := MaxInterval(tc.r)
			var ends *ScheduleEndsError
			if err == nil || errors.As(err, &ends) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("MaxInterval(%+v) = %v, %v; want an error containing %q", tc.r, d, err, tc.msg)
			}
		})
	}
}

func TestMaxIntervalIsSafeConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := []string{"cron(0 0 ? * 6#1 *)", "cron(0 0 1 1,7 ? *)", "rate(9 days)", "cron(0 0 ? * 6#9 *)"}[i%4]
			for range 50 {
				d, err := MaxInterval(expr(e))
				if (err == nil) != (i%4 != 3) || (err == nil && d == 0) {
					t.Errorf("%s: %v, %v", e, d, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestFmtInterval(t *testing.T) {
	for d, want := range map[time.Duration]string{
		day: "1 day", 35 * day: "35 days", 12 * time.Hour: "12h", 7*day - 12*time.Hour: "6 days 12h", 36 * time.Hour: "36h",
		15 * time.Minute: "15m", 90 * time.Minute: "1h30m",
	} {
		if got := fmtInterval(d); got != want {
			t.Errorf("fmtInterval(%v) = %q, want %q", d, got, want)
		}
	}
}
