package baseline

import (
	"fmt"
	"strings"
)

// classes checks the classes, their matchers, and defaultClass.
func (v *validator) classes(b *Baseline) {
	if len(b.Classes) == 0 {
		v.add("classes", "at least one class is required")
	}
	names := map[string]bool{}
	services := map[string]string{} // lower-case owning service -> class name
	prefixes := map[string]string{} // name prefix -> class name
	for i := range b.Classes {
		c := &b.Classes[i]
		p := fmt.Sprintf("classes[%d]", i)
		switch {
		case !classNamePattern.MatchString(c.Name):
			v.add(p+".name", "must be 1-63 lower-case letters, digits or hyphens, starting with a letter or digit, got %q", c.Name)
		case names[c.Name]:
			v.add(p+".name", "duplicate class name %q", c.Name)
		}
		names[c.Name] = true
		v.between(p+".maxRotationDays", c.MaxRotationDays, 1, 1000)
		if c.Strategy != "" {
			v.strategy(p+".strategy", c.Strategy)
		}
		v.rotationFunctions(p+".rotationFunctions", c.RotationFunctions)

		for j, s := range c.Match.OwningServices {
			sp := fmt.Sprintf("%s.match.owningServices[%d]", p, j)
			key := strings.ToLower(s)
			switch other, claimed := services[key]; {
			case strings.TrimSpace(s) == "":
				v.add(sp, "must not be empty")
			case claimed && other == c.Name:
				v.add(sp, "duplicate owning service %q", s)
			case claimed:
				v.add(sp, "owning service %q is already claimed by class %q", s, other)
			default:
				services[key] = c.Name
			}
		}
		for j, pre := range c.Match.NamePrefixes {
			pp := fmt.Sprintf("%s.match.namePrefixes[%d]", p, j)
			switch other, claimed := prefixes[pre]; {
			case pre == "":
				v.add(pp, "must not be empty")
			case claimed && other == c.Name:
				v.add(pp, "duplicate name prefix %q", pre)
			case claimed:
				v.add(pp, "name prefix %q is already claimed by class %q", pre, other)
			default:
				prefixes[pre] = c.Name
			}
		}
		regions := map[string]bool{}
		for j, r := range c.ReplicateTo {
			rp := fmt.Sprintf("%s.replicateTo[%d]", p, j)
			switch {
			case !regionPattern.MatchString(r):
				v.add(rp, "must be a Region name like us-east-1, got %q", r)
			case regions[r]:
				v.add(rp, "duplicate Region %s", r)
			}
			regions[r] = true
		}
	}

	switch {
	case b.DefaultClass == "" && len(b.Classes) > 0:
		v.add("defaultClass", "is required: name the class of secrets no tag, owning service or prefix matches")
	case b.DefaultClass != "" && !names[b.DefaultClass]:
		v.add("defaultClass", "no class is named %q", b.DefaultClass)
	}
}

func (v *validator) strategy(path, s string) {
	if s != StrategySingleUser && s != StrategyAlternatingUsers {
		v.add(path, "must be %s or %s, got %q", StrategySingleUser, StrategyAlternatingUsers, s)
	}
}

func (v *validator) rotationFunctions(path string, fs []RotationFunction) {
	seen := map[string]int{}
	for i, f := range fs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if f.Strategy != "" {
			v.strategy(p+".strategy", f.Strategy)
		}
		switch {
		case f.ARN == "":
			v.add(p+".arn", "must not be empty")
		case !v.placeholders(p+".arn", f.ARN):
		case !lambdaARNPattern.MatchString(f.ARN):
			v.add(p+".arn", "must be a Lambda function ARN (arn:${Partition}:lambda:${Region}:${AccountId}:function:<name>), got %q", f.ARN)
		}
		engine := strings.ToLower(f.Engine)
		if engine == "" {
			engine = "*"
		}
		key := engine + "\x00" + f.Strategy
		if j, dup := seen[key]; dup {
			v.add(p, "same engine %q and strategy %q as %s[%d]", engine, f.Strategy, path, j)
		} else {
			seen[key] = i
		}
	}
}
