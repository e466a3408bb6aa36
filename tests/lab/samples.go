package lab

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// SampleDirs maps each function to its directory of sample events.
var SampleDirs = map[string]string{"evaluator": "config", "notifier": "notifier", "remediator": "remediator", "revoker": "revoker",
	"workloads": "workloads", "accesswatch": "accesswatch"}

// Sample is one file of events/, ready to send to its function.
type Sample struct {
	Function  string
	File      string // e.g. events/config/change.json
	Malformed bool   // named malformed-*: the function must say what is wrong
	Payload   []byte // the file, adapted to the lab (see Adapt)
}

// Samples returns every sample event of every function, sorted by file.
func (l *Lab) Samples() ([]Sample, error) {
	var out []Sample
	for fn, dir := range SampleDirs {
		files, err := filepath.Glob(filepath.Join(l.Root, "events", dir, "*.json"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			base := filepath.Base(f)
			out = append(out, Sample{Function: fn, File: filepath.ToSlash(filepath.Join("events", dir, base)),
				Malformed: strings.HasPrefix(base, "malformed-"), Payload: l.Adapt(b)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

var secretARNPattern = regexp.MustCompile(`arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:([A-Za-z0-9/_+=.@!-]+)-[A-Za-z0-9]{6}\b`)

// Adapt points a sample at what the lab seeded: a secret ARN whose name
// was seeded becomes that secret's real ARN (moto picks the random
// suffix), a seeded name and the break-glass role get the target's
// suffix, and moto's default account becomes the target's. Samples about
// other accounts (111122223333) are left as they are: the functions reach
// those through the spoke role and find nothing there.
func (l *Lab) Adapt(b []byte) []byte {
	s := string(b)
	seeded := map[string]string{}
	for _, sec := range l.Account.Secrets {
		seeded[strings.TrimSuffix(sec.Name, l.Target.Suffix)] = sec.ARN
	}
	s = secretARNPattern.ReplaceAllStringFunc(s, func(a string) string {
		if real, ok := seeded[secretARNPattern.FindStringSubmatch(a)[1]]; ok && strings.Contains(a, ":"+motoserver.TestAccount+":") {
			return real
		}
		return a
	})
	if sfx := l.Target.Suffix; sfx != "" {
		for name := range seeded {
			s = strings.ReplaceAll(s, `"`+name+`"`, `"`+name+sfx+`"`)
		}
		s = strings.ReplaceAll(s, "role/"+breakGlassRole+`"`, "role/"+breakGlassRole+sfx+`"`)
	}
	if l.Target.Account != motoserver.TestAccount {
		s = strings.ReplaceAll(s, motoserver.TestAccount, l.Target.Account)
	}
	return []byte(s)
}
