package checks

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// Compliance is an AWS Config compliance type.
type Compliance string

// The verdicts a check can give, spelled as AWS Config spells them.
const (
	Compliant     Compliance = "COMPLIANT"
	NonCompliant  Compliance = "NON_COMPLIANT"
	NotApplicable Compliance = "NOT_APPLICABLE"
)

// MaxAnnotation is AWS Config's limit on an evaluation's annotation.
const MaxAnnotation = 256

// Finding is the verdict of one check on one secret.
type Finding struct {
	Check      string     `json:"check"`
	Compliance Compliance `json:"compliance"`
	// Annotation says what is wrong and what to do, at most 256 characters.
	Annotation string `json:"annotation"`
	// Remedy is the ID of the remedy that would fix a NON_COMPLIANT finding,
	// "" when only a person can.
	Remedy string `json:"remedy,omitempty"`
	// Waived is set when a valid waiver tag made the check NOT_APPLICABLE.
	Waived bool `json:"waived,omitempty"`
}

// Needs says which optional data a check reads from a Snapshot, so that the
// Observer fetches only that.
type Needs struct {
	// Policy: the resource policy (one GetResourcePolicy per secret).
	Policy bool
	// Replicas: the replication status (DescribeSecret), only for secrets
	// that must be replicated.
	Replicas bool
}

// Input is what a check evaluates.
type Input struct {
	Secret   *secret.Snapshot
	Baseline *baseline.Baseline
	// Class is the secret's class under the baseline (never nil for a
	// validated baseline).
	Class *baseline.Class
	Now   time.Time
}

// Check is one entry of the registry.
type Check interface {
	// ID is the stable check ID; the Config rule is secretguard-<ID>.
	ID() string
	// Doc is one line for people: what compliant means.
	Doc() string
	// Needs says which optional Snapshot data the check reads.
	Needs() Needs
	// AppliesToReplicas reports whether the check is meaningful for a
	// replica (most settings are managed on the primary).
	AppliesToReplicas() bool
	// Evaluate is a pure function of its input.
	Evaluate(in Input) Finding
}

// finding builds a Finding with a formatted annotation.
func finding(id string, c Compliance, remedy, format string, args ...any) Finding {
	return Finding{Check: id, Compliance: c, Remedy: remedy, Annotation: Truncate(fmt.Sprintf(format, args...))}
}

// Truncate shortens an annotation to MaxAnnotation bytes on a rune
// boundary, ending with "…" when cut.
func Truncate(s string) string { return truncateTo(s, MaxAnnotation) }

// truncateTo shortens s to at most n bytes on a rune boundary, ending with
// "…" when cut.
func truncateTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	if n < len(ell) {
		return ""
	}
	cut := n - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

// Evaluate runs one check on a secret with everything checks share:
// deletion, replicas and waivers. The class is resolved from the baseline.
func Evaluate(c Check, s *secret.Snapshot, b *baseline.Baseline, now time.Time) Finding {
	id := c.ID()
	if s.ScheduledForDeletion() {
		// DeletedDate is when DeleteSecret was called, not when the secret
		// goes: say "since", not "on".
		return finding(id, NotApplicable, "", "Scheduled for deletion since %s; restore it to evaluate.", s.DeletedDate.UTC().Format(time.DateOnly))
	}
	if s.Gone {
		return finding(id, NotApplicable, "", "Deleted while being observed; nothing to evaluate.")
	}
	if s.IsReplica() && !c.AppliesToReplicas() {
		return finding(id, NotApplicable, "", "Replica of the secret in %s; evaluated on the primary.", s.PrimaryRegion)
	}
	w := ParseWaiver(b, s.Tags, id, now)
	return applyWaiver(id, w, func() Finding {
		return c.Evaluate(Input{Secret: s, Baseline: b, Class: b.ClassFor(s.Name, s.OwningService, s.Tags), Now: now})
	})
}

// applyWaiver gives the waived verdict for a valid waiver, else runs the
// check and, when a waiver was present but ignored, says why.
func applyWaiver(id string, w Waiver, evaluate func() Finding) Finding {
	if w.Valid {
		f := finding(id, NotApplicable, "", "Waived until %s: %s", w.Until.Format(time.DateOnly), w.Reason)
		f.Waived = true
		return f
	}
	f := evaluate()
	f.Check = id
	if w.Problem != "" {
		// Whatever the verdict, say why the waiver did not apply, and keep
		// that note whole by shortening the check's own text instead.
		note := " (" + Truncate(w.Problem) + ")"
		f.Annotation = truncateTo(f.Annotation, MaxAnnotation-len(note)) + note
	}
	f.Annotation = Truncate(f.Annotation)
	return f
}

// Waiver is a parsed waiver tag.
type Waiver struct {
	Present bool
	Valid   bool
	Until   time.Time
	Reason  string
	// Problem says why a present waiver was ignored.
	Problem string
}

// ParseWaiver reads the waiver tag of a check: "<YYYY-MM-DD> <reason>",
// valid through the end of that day (UTC), with a non-empty reason, and at
// most Waivers.MaxDays ahead when that is set.
func ParseWaiver(b *baseline.Baseline, tags map[string]string, checkID string, now time.Time) Waiver {
	if b.Waivers.TagPrefix == "" {
		return Waiver{}
	}
	key := b.Waivers.TagPrefix + checkID
	v, ok := tags[key]
	if !ok {
		return Waiver{}
	}
	return parseWaiverValue(b, "waiver tag "+key, v, now)
}

// parseWaiverValue reads a waiver "<YYYY-MM-DD> <reason>" found at where
// (a tag, a baseline entry), for the messages.
func parseWaiverValue(b *baseline.Baseline, where, v string, now time.Time) Waiver {
	w := Waiver{Present: true}
	date, reason, _ := strings.Cut(strings.TrimSpace(v), " ")
	d, err := time.Parse(time.DateOnly, date)
	switch {
	case err != nil:
		w.Problem = fmt.Sprintf("%s ignored: want \"YYYY-MM-DD reason\"", where)
		return w
	case strings.TrimSpace(reason) == "":
		w.Problem = fmt.Sprintf("%s ignored: no reason given", where)
		return w
	}
	w.Until, w.Reason = d, strings.TrimSpace(reason)
	end := d.Add(24 * time.Hour)
	switch {
	case !now.Before(end):
		w.Problem = fmt.Sprintf("waiver expired %s", date)
	case b.Waivers.MaxDays > 0 && end.Sub(now) > time.Duration(b.Waivers.MaxDays+1)*24*time.Hour:
		w.Problem = fmt.Sprintf("waiver ignored: %s is more than %d days ahead", date, b.Waivers.MaxDays)
	default:
		w.Valid = true
	}
	return w
}
