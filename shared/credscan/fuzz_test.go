package credscan

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// fuzzNames are the variable names the fuzz target scans values under:
// plain, credential-like, pointer-like and odd ones.
var fuzzNames = []string{"LOG_LEVEL", "DB_PASSWORD", "apiToken", "SECRET_ARN", "DATABASE_URL", "", "\xffX"}

// FuzzDetect checks that detection never panics, names only known kinds,
// and never returns any part of the scanned value: once the variable name
// and the fixed kind labels are taken out of everything it returns
// (the Hit as JSON and Describe's text), no substring of the value longer
// than 3 bytes is left.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"", "x", pemKey, akid, "AKIA" + "IOSFODNN7EXAMPLE", "ghp_" + rnd36, "github_pat_" + rnd36 + rnd36,
		"xoxb-" + "1234567890-abcdefghij", "sk_" + "live_" + rnd36, "AIza" + rnd36[:35], jwt,
		"postgres://app:" + "s3cr3t-Pw@db:5432/x", "Server=db;" + "Password=Tr0ub4dor&3;", `{"password":"9dKq!x2"}`,
		"Tr0ub4dor&3", rnd40, "changeme", "${X}", "arn:aws:secretsmanager:us-east-1:1:secret:x",
		"\x00\xff\xfe" + rnd36, strings.Repeat("a:", 500) + "@", "a://b:c@d", "password=", "eyJ.eyJ.",
		"URL with a password", "private key block",
	} {
		for i := range fuzzNames {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, ni uint8, value string) {
		name := fuzzNames[int(ni)%len(fuzzNames)]
		k, ok := Detect(name, value)
		if ok != (k != "") || (ok && !slices.Contains(Kinds, k)) {
			t.Fatalf("Detect(%q) = %q, %v: not a known kind", name, k, ok)
		}
		hits := Scan([]Var{{Name: name, Value: value}}, nil)
		js, err := json.Marshal(hits)
		if err != nil {
			t.Fatal(err)
		}
		out := string(js) + "\n" + Describe(hits, 3) + "\n" + string(k)
		if leak := leaked(value, out, name, ShowName(name)); leak != "" {
			t.Fatalf("output %q carries %q from the value", out, leak)
		}
	})
}

// leaked returns a substring of value longer than 3 bytes found in out
// once the given names and every kind label are removed from out, or "".
func leaked(value, out string, names ...string) string {
	rest := out
	for _, n := range names {
		if n != "" {
			rest = strings.ReplaceAll(rest, n, "\x00")
			if b, err := json.Marshal(n); err == nil {
				rest = strings.ReplaceAll(rest, strings.Trim(string(b), `"`), "\x00")
			}
		}
	}
	labels := slices.Clone(Kinds)
	slices.SortFunc(labels, func(a, b Kind) int { return len(b) - len(a) }) // longest first
	for _, k := range labels {
		rest = strings.ReplaceAll(rest, string(k), "\x00")
	}
	for i := 0; i+4 <= len(value); i++ {
		if w := value[i : i+4]; strings.Contains(rest, w) && !strings.Contains(fixedText, w) {
			return w
		}
	}
	return ""
}

// fixedText is what the output holds besides names and labels: JSON keys
// and punctuation, and Describe's separators.
const fixedText = `[{"variable":"` + "\x00" + `","kind":"` + "\x00" + `"}]` + "\n\x00 (\x00)\n\x00\nnull\n\n"

func TestLeakedCatchesALeak(t *testing.T) {
	if leaked("s3cr3t-Pw", `[{"variable":"X","kind":"s3cr3t"}]`, "X") == "" {
		t.Error("leaked missed a copied value")
	}
	if leaked("DB_PASSWORD", `[{"variable":"DB_PASSWORD","kind":"JSON Web Token"}]`, "DB_PASSWORD") != "" {
		t.Error("leaked flagged the name")
	}
}
