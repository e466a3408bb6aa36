package credscan

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Var is one named value to scan. Its value never reaches JSON, %v or
// %#v: only the name does, so a logged Var cannot leak the credential.
type Var struct {
	Name  string `json:"name"`
	Value string `json:"-"`
}

// String shows the name only.
func (v Var) String() string { return v.Name + "=(value hidden)" }

// GoString shows the name only.
func (v Var) GoString() string {
	return "credscan.Var{Name: " + fmt.Sprintf("%q", v.Name) + ", Value: (hidden)}"
}

// Hit is a variable that holds a credential: its name and the kind of
// credential, never the value.
type Hit struct {
	Name string `json:"variable"`
	Kind Kind   `json:"kind"`
}

// Scan detects credentials in vars, skipping those allowed reports true
// for (the baseline's allow-list; nil allows none). At most one Hit per
// variable, in input order.
func Scan(vars []Var, allowed func(name string) bool) []Hit {
	var out []Hit
	for _, v := range vars {
		if allowed != nil && allowed(v.Name) {
			continue
		}
		if k, ok := Detect(v.Name, v.Value); ok {
			out = append(out, Hit{Name: v.Name, Kind: k})
		}
	}
	return out
}

// maxNameInText bounds one variable name in a description.
const maxNameInText = 64

// Describe lists hits for an annotation, "DB_URL (URL with a password),
// TOKEN (GitHub token)", at most max of them and then "+N more". Names
// longer than 64 bytes are shortened, and a name that is not printable
// UTF-8 is shown as "(unprintable name)".
func Describe(hits []Hit, max int) string {
	if max < 1 {
		max = 1
	}
	parts := make([]string, 0, min(len(hits), max)+1)
	for i, h := range hits {
		if i == max {
			parts = append(parts, fmt.Sprintf("+%d more", len(hits)-max))
			break
		}
		parts = append(parts, ShowName(h.Name)+" ("+string(h.Kind)+")")
	}
	return strings.Join(parts, ", ")
}

// ShowName prepares a variable or parameter name for a message: at most 64
// bytes on a rune boundary, printable, or "(unprintable name)".
func ShowName(name string) string {
	if !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return "(unprintable name)"
	}
	if len(name) <= maxNameInText {
		return name
	}
	cut := maxNameInText - len("…")
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "…"
}

// Match reports whether s matches a glob in which * stands for any run of
// characters (including / and :) and every other character for itself.
// It is what the baseline's allow-list uses for resources and variables.
func Match(glob, s string) bool {
	// Iterative matching with one backtrack point: linear in practice and
	// never recursive, whatever the input.
	g, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case g < len(glob) && glob[g] == '*':
			star, mark = g, i
			g++
		case g < len(glob) && glob[g] == s[i]:
			g++
			i++
		case star >= 0:
			g = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for g < len(glob) && glob[g] == '*' {
		g++
	}
	return g == len(glob)
}
