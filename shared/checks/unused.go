package checks

import "github.com/secretguard/secretguard/shared/baseline"

// unused: someone read the secret within the baseline's unused.days.
type unused struct{}

func (unused) ID() string { return baseline.CheckUnused }
func (unused) Doc() string {
	return "The secret was read within the baseline's unused.days (or is younger than that)."
}
func (unused) Needs() Needs { return Needs{} }

// AppliesToReplicas is true: each Region records its own last access.
func (unused) AppliesToReplicas() bool { return true }

// Evaluate compares calendar days: LastAccessedDate has day precision
// (midnight UTC), so a secret read today is 0 days unused.
func (u unused) Evaluate(in Input) Finding {
	s, id := in.Secret, u.ID()
	n := in.Baseline.Unused.Days
	if n <= 0 {
		return finding(id, NotApplicable, "", "The baseline sets no unused.days.")
	}
	what := "delete it, or waive this check if it must stay"
	if s.IsReplica() {
		what = "remove this replica if nothing reads it here (a standby replica: waive this check)"
	}
	if !s.LastAccessedDate.IsZero() {
		idle := civilDays(s.LastAccessedDate, in.Now)
		if idle <= n {
			return finding(id, Compliant, "", "Last read %s, within %d days.", date(s.LastAccessedDate), n)
		}
		return finding(id, NonCompliant, "", "Not read since %s (%d days; limit %d): %s.", date(s.LastAccessedDate), idle, n, what)
	}
	if s.CreatedDate.IsZero() {
		return finding(id, NotApplicable, "", "Never read and the creation date is not known.")
	}
	age := civilDays(s.CreatedDate, in.Now)
	if age <= n {
		return finding(id, Compliant, "", "Never read, but created %s, %d days ago (limit %d).", date(s.CreatedDate), age, n)
	}
	return finding(id, NonCompliant, "", "Never read since created on %s (%d days; limit %d): %s.", date(s.CreatedDate), age, n, what)
}
