package checks

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/secretguard/secretguard/shared/secret"
)

// The span over which cron schedules are evaluated. It is long enough for
// every weekday/leap-year combination (a 28-year cycle within it) and stays
// inside 1901-2099, where every fourth year is a leap year.
const (
	cronFirstYear = 1970 // the smallest year EventBridge accepts
	cronLastYear  = 2099
	cronMaxYear   = 2199 // the largest year EventBridge accepts
)

// ScheduleEndsError reports a cron schedule whose year field ends: rotation
// stops after LastYear. MaxInterval returns it together with the longest gap
// between the firings before that.
type ScheduleEndsError struct {
	Expression string
	LastYear   int
}

func (e *ScheduleEndsError) Error() string {
	return fmt.Sprintf("%s stops firing after %d (year field)", e.Expression, e.LastYear)
}

// MaxInterval returns the longest time the rotation rules allow between two
// consecutive rotations:
//
//   - ScheduleExpression rate(N hours|days) (also "hour", "day"): N hours or days;
//   - ScheduleExpression cron(min hour day-of-month month day-of-week year) in
//     the EventBridge dialect (*, ?, lists, ranges, / steps, L, L-n, LW, nW,
//     n#k, nL, JAN-DEC, SUN-SAT with 1=SUN): the longest gap between two
//     consecutive firings over the years 1970-2099;
//   - else AutomaticallyAfterDays N: N days.
//
// ScheduleExpression wins over AutomaticallyAfterDays because ListSecrets
// reports the latter computed from the former. A cron that fires on no day
// of the span is an error; one whose year field ends before 2099 returns a
// *ScheduleEndsError (and the longest gap before its end).
func MaxInterval(r secret.RotationRules) (time.Duration, error) {
	expr := strings.TrimSpace(r.ScheduleExpression)
	if expr == "" {
		switch {
		case r.AutomaticallyAfterDays > 0 && r.AutomaticallyAfterDays <= 100000:
			return time.Duration(r.AutomaticallyAfterDays) * day, nil
		case r.AutomaticallyAfterDays != 0:
			return 0, fmt.Errorf("AutomaticallyAfterDays %d is out of range", r.AutomaticallyAfterDays)
		}
		return 0, errors.New("no rotation schedule (neither ScheduleExpression nor AutomaticallyAfterDays)")
	}
	if v, ok := scheduleCache.Load(expr); ok {
		res := v.(scheduleResult)
		return res.d, res.err
	}
	d, err := parseSchedule(expr)
	if scheduleCached.Add(1) <= maxCachedSchedules {
		scheduleCache.Store(expr, scheduleResult{d, err})
	}
	return d, err
}

// An organisation uses a handful of distinct schedules, and evaluating a
// cron walks ~1,500 months, so results are memoised (bounded, so that a
// flood of distinct expressions cannot grow memory without limit).
var (
	scheduleCache  sync.Map
	scheduleCached atomic.Int64
)

const maxCachedSchedules = 4096

type scheduleResult struct {
	d   time.Duration
	err error
}

func parseSchedule(expr string) (time.Duration, error) {
	lower := strings.ToLower(expr)
	if !strings.HasSuffix(lower, ")") {
		return 0, fmt.Errorf("%q: want rate(...) or cron(...)", expr)
	}
	switch {
	case strings.HasPrefix(lower, "rate("):
		return parseRate(expr, lower[len("rate("):len(lower)-1])
	case strings.HasPrefix(lower, "cron("):
		c, err := parseCron(expr[len("cron(") : len(expr)-1])
		if err != nil {
			return 0, fmt.Errorf("%q: %w", expr, err)
		}
		return c.maxGap(expr)
	}
	return 0, fmt.Errorf("%q: want rate(...) or cron(...)", expr)
}

func parseRate(expr, inner string) (time.Duration, error) {
	f := strings.Fields(inner)
	if len(f) != 2 {
		return 0, fmt.Errorf("%q: want rate(N hours) or rate(N days)", expr)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || n > 100000 {
		return 0, fmt.Errorf("%q: %q is not a positive number", expr, f[0])
	}
	switch f[1] {
	case "hour", "hours":
		return time.Duration(n) * time.Hour, nil
	case "day", "days":
		return time.Duration(n) * day, nil
	}
	return 0, fmt.Errorf("%q: unit %q is not hours or days (Secrets Manager rotates at most every 4 hours)", expr, f[1])
}

// cronSpec is a parsed cron expression. Bit v of a field set means value v.
type cronSpec struct {
	minutes uint64
	hours   uint32
	months  uint16
	years   [4]uint64 // bit y-cronFirstYear

	useDOW bool // day-of-month is "?": days come from dow
	// day-of-month
	domDays    uint32 // bits 1-31
	domLast    []int  // L (0) and L-n (n): last day minus n
	domLastWD  bool   // LW: last weekday of the month
	domNearest []int  // nW: weekday nearest day n
	// day-of-week, 1=SUN..7=SAT
	dowDays uint8
	dowLast []int    // nL: last weekday n of the month
	dowNth  [][2]int // n#k: k-th weekday n of the month
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dowNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

func parseCron(inner string) (*cronSpec, error) {
	f := strings.Fields(inner)
	if len(f) != 6 {
		return nil, fmt.Errorf("want 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(f))
	}
	c := &cronSpec{}
	var err error
	var set []bool
	if set, err = parseField("minutes", f[0], 0, 59, nil, true); err != nil {
		return nil, err
	}
	c.minutes = uint64(toBits(set, 0))
	if set, err = parseField("hours", f[1], 0, 23, nil, true); err != nil {
		return nil, err
	}
	c.hours = uint32(toBits(set, 0))
	if set, err = parseField("month", f[3], 1, 12, monthNames, true); err != nil {
		return nil, err
	}
	c.months = uint16(toBits(set, 1))
	if set, err = parseField("year", f[5], cronFirstYear, cronMaxYear, nil, false); err != nil {
		return nil, err
	}
	for i, ok := range set {
		if ok {
			c.years[i/64] |= 1 << (i % 64)
		}
	}
	switch dom, dow := f[2], f[4]; {
	case dom == "?" && dow == "?":
		return nil, errors.New("day-of-month and day-of-week are both ?: one must name days")
	case dom != "?" && dow != "?":
		return nil, errors.New("day-of-month and day-of-week both name days: one must be ?")
	case dom == "?":
		c.useDOW = true
		err = c.parseDOW(dow)
	default:
		err = c.parseDOM(dom)
	}
	return c, err
}

// toBits turns a value set starting at lo into a bit set indexed by value.
func toBits(set []bool, lo int) uint64 {
	var b uint64
	for i, ok := range set {
		if ok {
			b |= 1 << (i + lo)
		}
	}
	return b
}

func (c *cronSpec) parseDOM(spec string) error {
	var plain []string
	for _, item := range strings.Split(spec, ",") {
		u := strings.ToUpper(item)
		switch {
		case u == "L":
			c.domLast = append(c.domLast, 0)
		case u == "LW" || u == "WL":
			c.domLastWD = true
		case strings.HasPrefix(u, "L-"):
			n, err := strconv.Atoi(u[2:])
			if err != nil || n < 0 || n > 30 {
				return fmt.Errorf("day-of-month %q: want L-n with n from 0 to 30", item)
			}
			c.domLast = append(c.domLast, n)
		case strings.HasSuffix(u, "W"):
			n, err := strconv.Atoi(u[:len(u)-1])
			if err != nil || n < 1 || n > 31 {
				return fmt.Errorf("day-of-month %q: want nW with n from 1 to 31", item)
			}
			c.domNearest = append(c.domNearest, n)
		default:
			plain = append(plain, item)
		}
	}
	if len(plain) > 0 {
		set, err := parseField("day-of-month", strings.Join(plain, ","), 1, 31, nil, true)
		if err != nil {
			return err
		}
		c.domDays |= uint32(toBits(set, 1))
	}
	return nil
}

func (c *cronSpec) parseDOW(spec string) error {
	var plain []string
	for _, item := range strings.Split(spec, ",") {
		u := strings.ToUpper(item)
		switch {
		case u == "L":
			c.dowDays |= 1 << 7 // L alone is the last day of the week, SAT
		case strings.Contains(u, "#"):
			d, k, _ := strings.Cut(u, "#")
			wd, err := dowValue(d)
			n, err2 := strconv.Atoi(k)
			if err != nil || err2 != nil || n < 1 || n > 5 {
				return fmt.Errorf("day-of-week %q: want n#k with n 1-7 or SUN-SAT and k 1-5", item)
			}
			c.dowNth = append(c.dowNth, [2]int{wd, n})
		case len(u) > 1 && strings.HasSuffix(u, "L"):
			wd, err := dowValue(u[:len(u)-1])
			if err != nil {
				return fmt.Errorf("day-of-week %q: want nL with n 1-7 or SUN-SAT", item)
			}
			c.dowLast = append(c.dowLast, wd)
		default:
			plain = append(plain, item)
		}
	}
	if len(plain) > 0 {
		set, err := parseField("day-of-week", strings.Join(plain, ","), 1, 7, dowNames, true)
		if err != nil {
			return err
		}
		c.dowDays |= uint8(toBits(set, 1))
	}
	return nil
}

func dowValue(s string) (int, error) { return fieldValue("day-of-week", s, 1, 7, dowNames) }

// parseField parses a comma list of *, values, ranges (wrapping around for
// cyclic fields, e.g. FRI-MON) and steps (*/n, a/n, a-b/n) into a set
// indexed by value-lo.
func parseField(name, spec string, lo, hi int, names []string, cyclic bool) ([]bool, error) {
	set := make([]bool, hi-lo+1)
	for _, item := range strings.Split(spec, ",") {
		rng, stepS, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n < 1 || n > hi-lo+1 {
				return nil, fmt.Errorf("%s %q: step %q is not from 1 to %d", name, item, stepS, hi-lo+1)
			}
			step = n
		}
		var from, to int
		switch a, b, isRange := strings.Cut(rng, "-"); {
		case rng == "*":
			from, to = lo, hi
		case isRange:
			var err error
			if from, err = fieldValue(name, a, lo, hi, names); err != nil {
				return nil, err
			}
			if to, err = fieldValue(name, b, lo, hi, names); err != nil {
				return nil, err
			}
			if to < from {
				if !cyclic {
					return nil, fmt.Errorf("%s %q: range runs backwards", name, item)
				}
				to += hi - lo + 1 // wrap around, e.g. FRI-MON or 22-2
			}
		default:
			v, err := fieldValue(name, a, lo, hi, names)
			if err != nil {
				return nil, err
			}
			from, to = v, v
			if hasStep {
				to = hi // a/n: from a to the end
			}
		}
		for v := from; v <= to; v += step {
			set[(v-lo)%(hi-lo+1)] = true
		}
	}
	return set, nil
}

func fieldValue(name, s string, lo, hi int, names []string) (int, error) {
	if i := slices.Index(names, strings.ToUpper(s)); i >= 0 {
		return lo + i, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s %q: want a value from %d to %d", name, s, lo, hi)
	}
	return v, nil
}

// maxGap walks every firing day of the span and returns the longest gap
// between consecutive firings, at minute precision: the gap between two
// firing days d1 < d2 is (d2-d1) days minus the spread of the firing times
// within a day, and within a day it is the largest gap between two times.
func (c *cronSpec) maxGap(expr string) (time.Duration, error) {
	var times []int // minutes of the day
	for h := 0; h < 24; h++ {
		for m := 0; m < 60; m++ {
			if c.hours&(1<<h) != 0 && c.minutes&(1<<m) != 0 {
				times = append(times, h*60+m)
			}
		}
	}
	if len(times) == 0 {
		return 0, fmt.Errorf("%q fires at no time of day", expr) // unreachable: fields are non-empty
	}
	intra := 0
	for i := 1; i < len(times); i++ {
		intra = max(intra, times[i]-times[i-1])
	}
	spread := times[len(times)-1] - times[0]

	prev, count, maxDays, lastYear, maxYear := -1, 0, 0, 0, 0
	for y := cronFirstYear; y <= cronMaxYear; y++ {
		if c.years[(y-cronFirstYear)/64]&(1<<((y-cronFirstYear)%64)) == 0 {
			continue
		}
		maxYear = y
		if y > cronLastYear {
			continue
		}
		for m := 1; m <= 12; m++ {
			if c.months&(1<<m) == 0 {
				continue
			}
			first := int(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
			n := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			for mask := c.days(n, (first+4)%7); mask != 0; mask &= mask - 1 {
				d := first + bits.TrailingZeros32(mask) - 1
				if prev >= 0 {
					maxDays = max(maxDays, d-prev)
				}
				prev, count, lastYear = d, count+1, y
			}
		}
	}
	if count == 0 {
		return 0, fmt.Errorf("%q fires on no day from %d to %d", expr, cronFirstYear, cronLastYear)
	}
	gap := intra
	if count > 1 {
		gap = max(gap, maxDays*24*60-spread)
	}
	d := time.Duration(gap) * time.Minute
	if maxYear < cronLastYear {
		return d, &ScheduleEndsError{Expression: expr, LastYear: lastYear}
	}
	return d, nil
}

// days returns the firing days (bit d for day d) of a month of n days whose
// first day is weekday wd1 (0=Sunday).
func (c *cronSpec) days(n, wd1 int) uint32 {
	all := uint32(1)<<(n+1) - 2                             // bits 1..n (wraps to all but bit 0 for n=31)
	weekday := func(d int) int { return (wd1 + d - 1) % 7 } // 0=Sunday
	var mask uint32
	if c.useDOW {
		for d := 1; d <= n; d++ {
			if c.dowDays&(1<<(weekday(d)+1)) != 0 {
				mask |= 1 << d
			}
		}
		for _, wd := range c.dowLast {
			d := n - (weekday(n)-(wd-1)+7)%7
			mask |= 1 << d
		}
		for _, nk := range c.dowNth {
			d := 1 + (nk[0]-1-wd1+7)%7 + 7*(nk[1]-1)
			if d <= n {
				mask |= 1 << d
			}
		}
		return mask
	}
	mask = c.domDays & all
	for _, off := range c.domLast {
		if n-off >= 1 {
			mask |= 1 << (n - off)
		}
	}
	if c.domLastWD {
		d := n
		for weekday(d) == 0 || weekday(d) == 6 {
			d--
		}
		mask |= 1 << d
	}
	for _, want := range c.domNearest {
		if want > n {
			continue
		}
		d := want
		switch weekday(want) {
		case 6: // Saturday: the Friday before, or Monday when that leaves the month
			if d--; d < 1 {
				d = want + 2
			}
		case 0: // Sunday: the Monday after, or Friday when that leaves the month
			if d++; d > n {
				d = want - 2
			}
		}
		mask |= 1 << d
	}
	return mask
}
