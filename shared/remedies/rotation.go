package remedies

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/secret"
)

// rotationActions are the IAM actions a RotateSecret call needs: Secrets
// Manager checks that the caller may invoke the rotation function.
var rotationActions = []string{"secretsmanager:RotateSecret", "lambda:InvokeFunction"}

// rotatable says why secretguard must not call RotateSecret on a secret, or
// returns nil: service-managed and managed external secrets are changed
// through their service or partner, replicas through their primary, and a
// stuck rotation (AWSPENDING on another version than AWSCURRENT) makes
// RotateSecret fail until a person clears it.
func rotatable(s *secret.Snapshot) error {
	switch {
	case s.OwningService != "":
		return NeedsHuman(fmt.Sprintf("the secret is managed by %s: change its rotation through %s, never directly", s.OwningService, s.OwningService))
	case s.Type != "":
		return NeedsHuman(fmt.Sprintf("the secret is a managed external secret of type %s: its rotation needs the partner's metadata; configure it by hand", s.Type))
	case s.IsReplica():
		return NeedsHuman(fmt.Sprintf("the secret is a replica: rotation is configured on the primary in %s", s.PrimaryRegion))
	}
	return stuckPending(s)
}

// stuckPending returns a NeedsHuman error naming the version when AWSPENDING
// sits on a version without AWSCURRENT.
func stuckPending(s *secret.Snapshot) error {
	current := s.VersionsWith(secret.StageCurrent)
	pending := s.VersionsWith(secret.StagePending)
	slices.Sort(pending)
	for _, v := range pending {
		if !slices.Contains(current, v) {
			return NeedsHuman(fmt.Sprintf("a rotation is stuck: AWSPENDING is on version %s, not on the AWSCURRENT version, and RotateSecret fails until it is cleared; read the rotation function's logs, then remove the AWSPENDING label from %s", v, v))
		}
	}
	return nil
}

// classMax returns the class's maximum rotation interval, or a NeedsHuman
// error when the class sets none (only possible in an unvalidated baseline).
func classMax(c *baseline.Class) (time.Duration, error) {
	if c == nil {
		return 0, NeedsHuman("the baseline assigns this secret no class; fix the baseline")
	}
	if c.MaxRotationDays <= 0 {
		return 0, NeedsHuman(fmt.Sprintf("class %s sets no maxRotationDays, so there is no schedule to set", c.Name))
	}
	return c.MaxRotation(), nil
}

// fits reports whether rotation rules never leave more than max between two
// rotations (and do not stop: a cron whose year field ends does not fit).
func fits(r secret.RotationRules, max time.Duration) bool {
	d, err := checks.MaxInterval(r)
	return err == nil && d <= max
}

// scheduleError returns MaxInterval's error unless it only says the
// schedule ends, which a new schedule fixes.
func scheduleError(r secret.RotationRules) error {
	_, err := checks.MaxInterval(r)
	var ends *checks.ScheduleEndsError
	if errors.As(err, &ends) {
		return nil
	}
	return err
}

// durationFits reports whether a rotation window ("Nh", 1-24 hours) fits a
// schedule of whole days, whose window opens at midnight UTC and must not
// run into the next UTC day.
func durationFits(d string) bool {
	h, ok := strings.CutSuffix(strings.TrimSpace(d), "h")
	if !ok {
		return false
	}
	n, err := strconv.Atoi(h)
	return err == nil && n >= 1 && n <= 24
}

// daysRules returns rules of AutomaticallyAfterDays days, keeping the old
// Duration when it still fits. ScheduleExpression is left out: it and
// AutomaticallyAfterDays are exclusive.
func daysRules(days int, old secret.RotationRules) secret.RotationRules {
	r := secret.RotationRules{AutomaticallyAfterDays: int64(days)}
	if durationFits(old.Duration) {
		r.Duration = old.Duration
	}
	return r
}

// sdkRules converts rules for RotateSecret: ScheduleExpression wins (the
// AutomaticallyAfterDays that DescribeSecret reports beside it is derived
// from it and must not be sent with it).
func sdkRules(r secret.RotationRules) *smtypes.RotationRulesType {
	out := &smtypes.RotationRulesType{}
	if r.ScheduleExpression != "" {
		out.ScheduleExpression = aws.String(r.ScheduleExpression)
	} else {
		out.AutomaticallyAfterDays = aws.Int64(r.AutomaticallyAfterDays)
	}
	if r.Duration != "" {
		out.Duration = aws.String(r.Duration)
	}
	return out
}

// unqualified drops the $LATEST qualifier, which names the same code as the
// bare function ARN (as the rotation-function check compares).
func unqualified(fn string) string { return strings.TrimSuffix(fn, ":$LATEST") }
