package remedies

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
)

// enableRotation turns rotation on with the baseline's function for the
// secret's class, engine and strategy, or switches an enabled rotation to
// that function.
type enableRotation struct{}

func (enableRotation) ID() string { return baseline.RemedyEnableRotation }
func (enableRotation) Doc() string {
	return "Enables rotation (or switches its function) with the baseline's rotation function for the secret's class and engine, on the class schedule."
}

// Fixes includes rotated-recently, whose finding names this remedy when
// rotation is off; that check passes only once the first rotation has run
// (at once only with the class's rotateImmediately), so a verification
// right after Apply still sees it failing.
func (enableRotation) Fixes() []string {
	return []string{baseline.CheckRotationEnabled, baseline.CheckRotationFunction, baseline.CheckRotatedRecently}
}
func (enableRotation) IAMActions() []string { return slices.Clone(rotationActions) }

// Plan makes one RotateSecret call with the class's function, the existing
// schedule when it already fits the class (else AutomaticallyAfterDays =
// maxRotationDays) and RotateImmediately as the class says (false unless
// rotateImmediately). The plan is empty when rotation is on with the right
// function, or on through the owning service; the schedule is fix-schedule's
// concern.
func (r enableRotation) Plan(_ context.Context, _ Clients, in Input) (Plan, error) {
	if err := checkInput(r.ID(), in); err != nil {
		return Plan{}, err
	}
	s := in.Secret
	p := newPlan(r.ID(), s)
	if s.OwningService != "" {
		if s.RotationEnabled {
			return p, nil // the service rotates it; nothing for secretguard to do
		}
		return p, rotatable(s)
	}
	if in.Class == nil {
		return p, NeedsHuman("the baseline assigns this secret no class; fix the baseline")
	}
	fn, ok := in.Class.RotationFunctionFor(s.Tags, s.Partition, s.Region, s.AccountID)
	if !ok {
		return p, NeedsHuman(fmt.Sprintf("the baseline names no rotation function for class %s (engine tag %q, strategy %s): add one to the class or configure rotation by hand",
			in.Class.Name, s.Tags[baseline.EngineTag], in.Class.StrategyFor(s.Tags)))
	}
	if s.RotationEnabled && unqualified(s.RotationLambdaARN) == unqualified(fn) {
		return p, nil
	}
	if err := rotatable(s); err != nil {
		return p, err
	}
	max, err := classMax(in.Class)
	if err != nil {
		return p, err
	}
	rules, kept := s.RotationRules, true
	if !fits(rules, max) {
		rules, kept = daysRules(in.Class.MaxRotationDays, s.RotationRules), false
	}
	p.Calls = []Call{rotateCall(&secretsmanager.RotateSecretInput{
		SecretId:          aws.String(s.ARN),
		RotationLambdaARN: aws.String(fn),
		RotationRules:     sdkRules(rules),
		RotateImmediately: aws.Bool(in.Class.RotateImmediately),
	})}
	after := clone(s)
	after.RotationEnabled, after.RotationLambdaARN, after.RotationRules = true, fn, rules
	p.After = StateOf(after)

	schedule := scheduleText(rules)
	if kept {
		schedule += " (kept: it fits class " + in.Class.Name + ")"
	}
	now := ""
	if in.Class.RotateImmediately {
		now = ", rotating now"
	}
	if s.RotationEnabled {
		p.Summary = fmt.Sprintf("switch rotation from %s to %s, %s%s", orDefault(s.RotationLambdaARN, "(no function)"), fn, schedule, now)
	} else {
		p.Summary = fmt.Sprintf("enable rotation %s with %s%s", schedule, fn, now)
	}
	return p, nil
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
