package checks

import (
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
)

// rotationFunction: rotation uses the function the baseline names for the
// secret's class, engine and strategy.
type rotationFunction struct{}

func (rotationFunction) ID() string { return baseline.CheckRotationFunction }
func (rotationFunction) Doc() string {
	return "Rotation uses the rotation function the baseline names for the secret's class, engine and strategy."
}
func (rotationFunction) Needs() Needs { return Needs{} }

// AppliesToReplicas is false: the rotation function is set on the primary.
func (rotationFunction) AppliesToReplicas() bool { return false }

func (r rotationFunction) Evaluate(in Input) Finding {
	s, id := in.Secret, r.ID()
	switch {
	case !s.RotationEnabled:
		return finding(id, NotApplicable, "", "Rotation is off; see %s.", baseline.CheckRotationEnabled)
	case s.OwningService != "":
		return finding(id, Compliant, "", "Rotation is managed by %s; never re-rotated by secretguard.", s.OwningService)
	case in.Class == nil:
		return noClass(id)
	}
	want, ok := in.Class.RotationFunctionFor(s.Tags, s.Partition, s.Region, s.AccountID)
	if !ok {
		return finding(id, Compliant, "", "The baseline names no rotation function for %s; any function is accepted.", functionKey(in.Class, s.Tags))
	}
	if s.RotationLambdaARN == "" {
		return finding(id, NonCompliant, baseline.RemedyEnableRotation,
			"Rotation is on but names no function; set it to %s (%s).", want, functionKey(in.Class, s.Tags))
	}
	if unqualified(s.RotationLambdaARN) == unqualified(want) {
		return finding(id, Compliant, "", "Rotation uses %s, as the baseline wants.", want)
	}
	return finding(id, NonCompliant, baseline.RemedyEnableRotation,
		"Switch rotation to %s, the function for class %s; it uses %s.", want, className(in.Class), s.RotationLambdaARN)
}

// unqualified drops the $LATEST qualifier, which names the same code as the
// bare function ARN.
func unqualified(fn string) string { return strings.TrimSuffix(fn, ":$LATEST") }
