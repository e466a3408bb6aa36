package baseline

import (
	"regexp"
	"sync"
)

// lazyRE is a regular expression compiled on first use. The validation
// patterns (some with Unicode classes) cost ~10 ms to compile, which every
// Lambda would pay at init even when it only loads the embedded default;
// compiling on first use keeps them off the cold-start path.
type lazyRE struct {
	once sync.Once
	expr string
	re   *regexp.Regexp
}

func lazy(expr string) *lazyRE { return &lazyRE{expr: expr} }

func (l *lazyRE) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re
}

func (l *lazyRE) MatchString(s string) bool { return l.get().MatchString(s) }

func (l *lazyRE) FindStringSubmatch(s string) []string { return l.get().FindStringSubmatch(s) }

func (l *lazyRE) FindAllStringSubmatch(s string, n int) [][]string {
	return l.get().FindAllStringSubmatch(s, n)
}
