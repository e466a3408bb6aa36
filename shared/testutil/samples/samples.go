// Package samples walks a directory of sample events (events/<function>/)
// against a test's table of expectations, so that a new sample without an
// expectation, or an expectation without its sample, fails the test.
package samples

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Each runs fn as a subtest on every *.json file of dir except skip, with
// the file's contents and the table's entry for its name. A file the table
// does not know and an entry without a file are failures.
func Each[W any](t *testing.T, dir string, table map[string]W, skip []string, fn func(t *testing.T, payload []byte, want W)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in %s: %v", dir, err)
	}
	seen := map[string]bool{}
	for _, path := range files {
		name := filepath.Base(path)
		if slices.Contains(skip, name) {
			continue
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			w, ok := table[name]
			if !ok {
				t.Fatalf("sample %s is not in the test table", name)
			}
			payload, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fn(t, payload, w)
		})
	}
	for name := range table {
		if !seen[name] && !slices.Contains(skip, name) {
			t.Errorf("no sample %s in %s", name, dir)
		}
	}
}
