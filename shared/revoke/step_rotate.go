package revoke

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// RDSAPI rotates the master password of the database that owns a secret.
type RDSAPI interface {
	ModifyDBInstance(ctx context.Context, in *rds.ModifyDBInstanceInput, optFns ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error)
	ModifyDBCluster(ctx context.Context, in *rds.ModifyDBClusterInput, optFns ...func(*rds.Options)) (*rds.ModifyDBClusterOutput, error)
}

var _ RDSAPI = (*rds.Client)(nil)

// RotateSecret also needs lambda:InvokeFunction on the rotation function.
var rotateActions = []string{
	"secretsmanager:RotateSecret", "secretsmanager:DescribeSecret", "lambda:InvokeFunction",
	"rds:ModifyDBInstance", "rds:ModifyDBCluster",
}

const (
	viaSecretsManager = "secretsmanager"
	viaRDS            = "rds"
)

// rotationToken is the ClientRequestToken (and so the new version's ID) of
// the n-th rotation of an incident, attempt a: the same on every
// invocation, so a resumed rotation is recognised by its version.
func rotationToken(incident, arn string, n, a int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "secretguard-revoke\x00%s\x00%s\x00%d\x00%d", incident, arn, n, a))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// stepRotate replaces the credential: once, or twice for alternating-users
// secrets (the previous user stays valid after one rotation), or once
// through RDS for the secrets RDS owns.
func (u *run) stepRotate(ctx context.Context, t *target, rec *recorder) (string, string, error) {
	p := &t.item.progress
	if t.cannotRotate != "" {
		t.item.report.Problems = append(t.item.report.Problems, "cannot rotate: "+t.cannotRotate+": a human must replace the credential")
		if u.req.DryRun {
			p.DryRunPlan = "would cut access; cannot rotate: " + t.cannotRotate
			return StepDryRun, t.cannotRotate + ": a human must replace the credential; the Deny would stay", nil
		}
		return StepSkipped, t.cannotRotate + ": a human must replace the credential; the Deny stays", nil
	}
	need, how := 1, "rotate once"
	switch {
	case t.rdsKind != "":
		how = "rotate the master password once through RDS (DB " + t.rdsKind + " " + t.rdsID + ")"
	case t.strategy == baseline.StrategyAlternatingUsers:
		need, how = 2, "rotate twice (alternating users: the previous user must be replaced too)"
	}
	if u.req.DryRun {
		for i := range need {
			if err := u.issue(ctx, t, rec, rotationToken(u.req.IncidentID, t.snap.ARN, i, 0)); err != nil {
				return "", "", err
			}
		}
		p.DryRunPlan = "would cut access, " + how + ", then lift the Deny"
		if u.req.KeepDeny {
			p.DryRunPlan = "would cut access, " + how + " and keep the Deny"
		}
		return StepDryRun, fmt.Sprintf("would %s, polling DescribeSecret every %s for up to %s until AWSCURRENT moves to the new version and no AWSPENDING remains",
			how, u.pollInterval(), u.req.RotationTimeout()), nil
	}
	var notes []string
	for i := range need {
		note, err := u.rotateOnce(ctx, t, rec, i)
		if note != "" {
			notes = append(notes, note)
		}
		if err != nil {
			if errors.Is(err, errAbort) || ctx.Err() != nil {
				return "", "", err
			}
			p.RotateErr = err.Error()
			return StepFailed, fmt.Sprintf("rotation %d of %d failed: %v; the Deny stays", i+1, need, err), nil
		}
	}
	p.Replaced = true
	last := p.Rotations[len(p.Rotations)-1]
	summary := fmt.Sprintf("%s: AWSCURRENT is now version %s", how, last.To)
	for _, n := range notes {
		summary += "; " + n
	}
	return StepDone, summary, nil
}

// errAbort marks an error that must stop the secret (lost state).
var errAbort = errors.New("abort")

// rotateOnce makes rotation n complete, resuming one that was started: a
// rotation in progress (ours or not) is waited for, never restarted.
func (u *run) rotateOnce(ctx context.Context, t *target, rec *recorder, n int) (note string, err error) {
	p := &t.item.progress
	if n < len(p.Rotations) && p.Rotations[n].Done {
		return "", nil
	}
	snap, err := u.describe(ctx, t.snap.ARN)
	if err != nil {
		return "", fmt.Errorf("DescribeSecret: %s", errText(err))
	}
	var r *rotation
	if n < len(p.Rotations) { // started by an earlier invocation
		r = &p.Rotations[n]
		pend := strayPending(snap)
		switch {
		case r.completedIn(snap):
			r.Done, r.To = true, current(snap)
			return fmt.Sprintf("rotation %d had completed (resumed)", n+1), u.save(ctx, t)
		case len(pend) > 0 && (r.Via == viaRDS || slices.Contains(pend, r.Token)):
			return fmt.Sprintf("rotation %d was in progress: waited for it (resumed)", n+1), u.await(ctx, t, rec, r)
		}
	}
	if pend := strayPending(snap); len(pend) > 0 {
		if snap, err = u.poll(ctx, t.snap.ARN, rec, "no AWSPENDING remains", func(s *secret.Snapshot) bool { return len(strayPending(s)) == 0 }); err != nil {
			return "", fmt.Errorf("a rotation already in progress (AWSPENDING on %v) did not finish: %w", pend, err)
		}
		note = fmt.Sprintf("waited for the rotation already in progress (version %v) first", pend)
		if r != nil && r.completedIn(snap) {
			r.Done, r.To = true, current(snap)
			return note, u.save(ctx, t)
		}
	}
	if r == nil {
		via := viaSecretsManager
		if t.rdsKind != "" {
			via = viaRDS
		}
		p.Rotations = append(p.Rotations, rotation{Via: via})
		r = &p.Rotations[n]
	}
	// First attempt, or the earlier one did not take: a new token.
	r.attempt(u.req.IncidentID, t.snap.ARN, n, current(snap), u.now())
	if err := u.save(ctx, t); err != nil {
		return note, err
	}
	if err := u.issue(ctx, t, rec, r.Token); err != nil {
		return note, err
	}
	return note, u.await(ctx, t, rec, r)
}

// attempt (re)starts a rotation from version from.
func (r *rotation) attempt(incident, arn string, n int, from string, now time.Time) {
	if r.Via == viaSecretsManager {
		a := 0
		if r.Token != "" {
			a = r.Attempt + 1
		}
		r.Attempt, r.Token = a, rotationToken(incident, arn, n, a)
	}
	r.From, r.Started = from, now
}

// completedIn reports whether the rotation is done in snap: AWSCURRENT on
// its version (on a new version for RDS, which picks its own) and no other
// version holding AWSPENDING.
func (r *rotation) completedIn(s *secret.Snapshot) bool {
	if len(strayPending(s)) > 0 {
		return false
	}
	if r.Via == viaRDS {
		return current(s) != "" && current(s) != r.From
	}
	return current(s) == r.Token
}

func (u *run) save(ctx context.Context, t *target) error {
	if err := u.checkpoint(ctx, t); err != nil {
		return fmt.Errorf("%w: %w", errAbort, err)
	}
	return nil
}

// issue starts one rotation.
func (u *run) issue(ctx context.Context, t *target, rec *recorder, token string) error {
	arn := t.snap.ARN
	var err error
	switch t.rdsKind {
	case "instance":
		err = rec.write("rds", "ModifyDBInstance", params{"DBInstanceIdentifier": t.rdsID, "RotateMasterUserPassword": true, "ApplyImmediately": true}, func() error {
			_, err := u.RDS.ModifyDBInstance(ctx, &rds.ModifyDBInstanceInput{DBInstanceIdentifier: aws.String(t.rdsID),
				RotateMasterUserPassword: aws.Bool(true), ApplyImmediately: aws.Bool(true)})
			return err
		})
	case "cluster":
		err = rec.write("rds", "ModifyDBCluster", params{"DBClusterIdentifier": t.rdsID, "RotateMasterUserPassword": true, "ApplyImmediately": true}, func() error {
			_, err := u.RDS.ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: aws.String(t.rdsID),
				RotateMasterUserPassword: aws.Bool(true), ApplyImmediately: aws.Bool(true)})
			return err
		})
	default:
		err = rec.write("secretsmanager", "RotateSecret", params{"SecretId": arn, "ClientRequestToken": token, "RotateImmediately": true}, func() error {
			_, err := u.Secrets.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: &arn,
				ClientRequestToken: aws.String(token), RotateImmediately: aws.Bool(true)})
			return err
		})
	}
	if err != nil {
		return errors.New(errText(err))
	}
	return nil
}

// await waits for rotation r and records it done.
func (u *run) await(ctx context.Context, t *target, rec *recorder, r *rotation) error {
	want := "AWSCURRENT on version " + r.Token + " and no AWSPENDING elsewhere"
	if r.Via == viaRDS {
		want = "AWSCURRENT off version " + r.From + " and no AWSPENDING elsewhere"
	}
	snap, err := u.poll(ctx, t.snap.ARN, rec, want, r.completedIn)
	if err != nil {
		return err
	}
	r.Done, r.To = true, current(snap)
	return u.save(ctx, t)
}

func (u *run) pollInterval() time.Duration {
	if u.PollInterval > 0 {
		return u.PollInterval
	}
	return DefaultPollInterval
}

// poll calls DescribeSecret until ok, for at most the rotation timeout (and
// never past the Lambda's deadline less a margin to save state and report).
// The polls are recorded as one call.
func (u *run) poll(ctx context.Context, arn string, rec *recorder, want string, ok func(*secret.Snapshot) bool) (*secret.Snapshot, error) {
	start := u.now()
	deadline := start.Add(u.req.RotationTimeout())
	if d, has := ctx.Deadline(); has && d.Add(-deadlineMargin).Before(deadline) {
		deadline = d.Add(-deadlineMargin)
	}
	polls := 0
	record := func(result string) {
		rec.add("secretsmanager", "DescribeSecret", params{"SecretId": arn, "polls": polls, "until": want}, result)
	}
	for {
		snap, err := u.describe(ctx, arn)
		polls++
		if err != nil {
			record(errText(err))
			return nil, fmt.Errorf("DescribeSecret: %s", errText(err))
		}
		if ok(snap) {
			record(OutcomeOK)
			return snap, nil
		}
		if !u.now().Before(deadline) {
			msg := fmt.Sprintf("not done after %s (%d polls): AWSCURRENT on %q, AWSPENDING on %v; the rotation function failed or is slow (see its logs); invoke again with the same incidentId to keep waiting",
				u.now().Sub(start).Round(time.Second), polls, current(snap), strayPending(snap))
			record("timeout")
			return nil, errors.New(msg)
		}
		select {
		case <-ctx.Done():
			record(ctx.Err().Error())
			return nil, ctx.Err()
		case <-time.After(u.pollInterval()):
		}
	}
}

func (u *run) describe(ctx context.Context, arn string) (*secret.Snapshot, error) {
	out, err := u.Secrets.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &arn})
	if err != nil {
		return nil, err
	}
	return secret.FromDescribe(out, u.now())
}

// current returns the version holding AWSCURRENT.
func current(s *secret.Snapshot) string {
	if v := s.VersionsWith(secret.StageCurrent); len(v) > 0 {
		return v[0]
	}
	return ""
}

// strayPending returns the versions holding AWSPENDING but not AWSCURRENT:
// a rotation in progress (or failed). AWSPENDING left on the AWSCURRENT
// version after a successful rotation does not count.
func strayPending(s *secret.Snapshot) []string {
	var out []string
	for _, v := range s.VersionsWith(secret.StagePending) {
		cur := false
		for _, st := range s.VersionStages[v] {
			cur = cur || st == secret.StageCurrent
		}
		if !cur {
			out = append(out, v)
		}
	}
	return out
}
