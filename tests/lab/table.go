package lab

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretguard/secretguard/shared/checks"
)

// Paint colours terminal output with ANSI escapes when On.
type Paint struct{ On bool }

func (p Paint) code(c, s string) string {
	if !p.On || s == "" {
		return s
	}
	return "\x1b[" + c + "m" + s + "\x1b[0m"
}

func (p Paint) Bold(s string) string   { return p.code("1", s) }
func (p Paint) Dim(s string) string    { return p.code("2", s) }
func (p Paint) Red(s string) string    { return p.code("31", s) }
func (p Paint) Green(s string) string  { return p.code("32", s) }
func (p Paint) Yellow(s string) string { return p.code("33", s) }
func (p Paint) Cyan(s string) string   { return p.code("36", s) }

// column is a check's short heading.
type column struct{ check, heading string }

// columns are the checks in the README's order; tableOrder appends any check
// added since.
var columns = []column{
	{"rotation-enabled", "rotation"}, {"rotation-function", "function"}, {"rotation-schedule", "schedule"},
	{"rotation-healthy", "healthy"}, {"rotated-recently", "recent"}, {"unused", "used"}, {"cmk", "cmk"},
	{"no-public-policy", "policy"}, {"replication", "replica"}, {"required-tags", "tags"},
}

// tableOrder lists every registered check in table order.
func tableOrder() []column {
	out := append([]column(nil), columns...)
	for _, id := range checks.IDs() {
		known := false
		for _, c := range columns {
			known = known || c.check == id
		}
		if !known {
			out = append(out, column{id, id})
		}
	}
	return out
}

// SecretName is the name in a secret's ARN (without the random suffix),
// else id itself.
func SecretName(id string) string {
	a, err := arn.Parse(id)
	if err != nil {
		return id
	}
	name, ok := strings.CutPrefix(a.Resource, "secret:")
	if !ok {
		return id
	}
	if i := strings.LastIndex(name, "-"); i > 0 && len(name)-i == 7 {
		name = name[:i]
	}
	return name
}

// Counts tallies one rule's verdicts.
type Counts struct{ Compliant, NonCompliant, NotApplicable int }

// ByRule counts the verdicts per check over the given resources (all when
// ids is nil).
func (v Verdicts) ByRule(ids []string) map[string]Counts {
	out := map[string]Counts{}
	for id, m := range v {
		if ids != nil && !contains(ids, id) {
			continue
		}
		for c, e := range m {
			n := out[c]
			switch e.Compliance {
			case string(checks.Compliant):
				n.Compliant++
			case string(checks.NonCompliant):
				n.NonCompliant++
			default:
				n.NotApplicable++
			}
			out[c] = n
		}
	}
	return out
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// WriteRules writes the per-rule summary, as the Config console's Rules
// page shows it.
func WriteRules(w io.Writer, p Paint, v Verdicts, ids []string) {
	counts := v.ByRule(ids)
	fmt.Fprintf(w, "  %s %s %9s %9s\n", p.Bold(pad("Config rule", 34)), p.Bold(pad("compliance", 22)), "compliant", "n/a")
	for _, col := range tableOrder() {
		c := col.check
		n := counts[c]
		verdict := p.Green(pad("Compliant", 22))
		if n.NonCompliant > 0 {
			verdict = p.Red(pad(fmt.Sprintf("%d noncompliant", n.NonCompliant), 22))
		}
		fmt.Fprintf(w, "  %s %s %9d %9d\n", pad(RuleName(c), 34), verdict, n.Compliant, n.NotApplicable)
	}
}

// WriteMatrix writes one row per secret and one column per check: ✓
// compliant, ✗ non-compliant, – not applicable (waived, or out of scope).
// With before, a cell whose verdict changed shows both (✗→✓).
func WriteMatrix(w io.Writer, p Paint, v, before Verdicts, ids []string) {
	ids = append([]string(nil), ids...)
	sort.Slice(ids, func(i, j int) bool { return SecretName(ids[i]) < SecretName(ids[j]) })
	width := 12
	for _, id := range ids {
		width = min(max(width, utf8.RuneCountInString(SecretName(id))), maxNameWidth)
	}
	var head strings.Builder
	for _, c := range tableOrder() {
		head.WriteString(pad(c.heading, cellWidth(c)))
	}
	fmt.Fprintf(w, "  %s %s\n", p.Bold(pad("secret", width)), p.Bold(strings.TrimRight(head.String(), " ")))
	for _, id := range ids {
		var row strings.Builder
		for _, col := range tableOrder() {
			c := col.check
			now := symbol(v[id][c].Compliance)
			cell := now
			if before != nil {
				if was := symbol(before[id][c].Compliance); was != now {
					cell = was + "→" + now
				}
			}
			row.WriteString(paintCell(p, now, pad(cell, cellWidth(col))))
		}
		fmt.Fprintf(w, "  %s %s\n", pad(shorten(SecretName(id), width), width), strings.TrimRight(row.String(), " "))
	}
	fmt.Fprintf(w, "  %s\n", p.Dim("✓ compliant   ✗ non-compliant   – not applicable (waived, or not for this secret)   · no verdict"))
}

// maxNameWidth caps the secret column; longer names are shortened.
const maxNameWidth = 32

func cellWidth(c column) int { return max(len(c.heading), 3) + 1 }

// shorten cuts s to n runes, ending in "…" when it cut.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func symbol(compliance string) string {
	switch compliance {
	case string(checks.Compliant):
		return "✓"
	case string(checks.NonCompliant):
		return "✗"
	case "":
		return "·"
	}
	return "–"
}

func paintCell(p Paint, sym, s string) string {
	switch sym {
	case "✓":
		return p.Green(s)
	case "✗":
		return p.Red(s)
	}
	return p.Dim(s)
}

// pad pads s with spaces to n runes.
func pad(s string, n int) string {
	if k := utf8.RuneCountInString(s); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

// WriteFindings writes each NON_COMPLIANT verdict's annotation, which says
// what is wrong and what to do.
func WriteFindings(w io.Writer, p Paint, v Verdicts, ids []string) {
	ids = append([]string(nil), ids...)
	sort.Slice(ids, func(i, j int) bool { return SecretName(ids[i]) < SecretName(ids[j]) })
	for _, id := range ids {
		for _, col := range tableOrder() {
			if e, ok := v[id][col.check]; ok && e.Compliance == string(checks.NonCompliant) {
				fmt.Fprintf(w, "  %s %s %s\n", p.Red("✗"), pad(SecretName(id)+" "+col.check, 44), p.Dim(e.Annotation))
			}
		}
	}
}
