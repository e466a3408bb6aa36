package remedies

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// fixSchedule shortens a rotation schedule that can leave more than the
// class's maxRotationDays between two rotations.
type fixSchedule struct{}

func (fixSchedule) ID() string { return baseline.RemedyFixSchedule }
func (fixSchedule) Doc() string {
	return "Sets the rotation schedule to every maxRotationDays days of the secret's class, keeping the rotation function."
}
func (fixSchedule) Fixes() []string      { return []string{baseline.CheckRotationSchedule} }
func (fixSchedule) IAMActions() []string { return append([]string(nil), rotationActions...) }

// Plan makes one RotateSecret call with RotationRules{AutomaticallyAfterDays:
// class max, Duration kept when it fits a day} (the ScheduleExpression is
// dropped: the two are exclusive), the same RotationLambdaARN (left out for
// managed rotation, which has none) and RotateImmediately false. Undo sets
// the old rules back the same way. The plan is empty when rotation is off
// (enable-rotation's concern) or the schedule already fits.
func (r fixSchedule) Plan(_ context.Context, _ Clients, in Input) (Plan, error) {
	if err := checkInput(r.ID(), in); err != nil {
		return Plan{}, err
	}
	s := in.Secret
	p := newPlan(r.ID(), s)
	if !s.RotationEnabled {
		return p, nil
	}
	max, err := classMax(in.Class)
	if err != nil {
		return p, err
	}
	if fits(s.RotationRules, max) {
		return p, nil
	}
	if err := rotatable(s); err != nil {
		return p, err
	}
	if err := scheduleError(s.RotationRules); err != nil {
		// AWS accepted this schedule; replacing it on the strength of our
		// parser would be a guess.
		return p, NeedsHuman(fmt.Sprintf("the rotation schedule cannot be read (%v): set one rotating at least every %d days by hand", err, in.Class.MaxRotationDays))
	}
	rules := daysRules(in.Class.MaxRotationDays, s.RotationRules)
	p.Calls = []Call{rotateCall(rotateInput(s, rules))}
	if !s.RotationRules.IsZero() {
		p.Undo = []Call{rotateCall(rotateInput(s, s.RotationRules))}
	}
	after := clone(s)
	after.RotationRules = rules
	p.After = StateOf(after)
	p.Summary = fmt.Sprintf("set the rotation schedule to %s (was %s; class %s allows %d days)",
		scheduleText(rules), orDefault(scheduleText(s.RotationRules), "no schedule"), in.Class.Name, in.Class.MaxRotationDays)
	return p, nil
}

// rotateInput is a RotateSecret that only sets rules: same function, no
// rotation now.
func rotateInput(s *secret.Snapshot, rules secret.RotationRules) *secretsmanager.RotateSecretInput {
	in := &secretsmanager.RotateSecretInput{
		SecretId:          aws.String(s.ARN),
		RotationRules:     sdkRules(rules),
		RotateImmediately: aws.Bool(false),
	}
	if s.RotationLambdaARN != "" {
		in.RotationLambdaARN = aws.String(s.RotationLambdaARN)
	}
	return in
}
