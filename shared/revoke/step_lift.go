package revoke

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

var liftActions = []string{"secretsmanager:GetResourcePolicy", "secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy"}

// stepLift removes the Deny once the credential is replaced, unless
// keepDeny: it restores the saved policy exactly (DeleteResourcePolicy when
// there was none). If someone changed the policy since the Deny went on,
// their change is kept and only the Deny statement is removed. When the
// credential was not replaced the Deny stays: fail closed.
func (u *run) stepLift(ctx context.Context, t *target, rec *recorder) (string, string, error) {
	arn, p := t.snap.ARN, &t.item.progress
	sid := DenySid(u.req.IncidentID)
	switch {
	case u.req.DryRun && t.cannotRotate != "":
		return StepDryRun, "the Deny would stay: " + t.cannotRotate, nil
	case u.req.DryRun:
		if u.req.KeepDeny {
			return StepDryRun, "keepDeny: the Deny would stay", nil
		}
		if err := u.restore(ctx, arn, p.PreviousPolicy, rec); err != nil {
			return "", "", err
		}
		return StepDryRun, "after a successful rotation, would restore the policy saved before the Deny", nil
	case !p.DenyApplied:
		return StepSkipped, "no Deny to lift", nil
	case !p.Replaced:
		return StepSkipped, "the credential was not replaced: the Deny stays (fail closed)", nil
	case u.req.KeepDeny:
		return StepSkipped, "keepDeny: the Deny stays; invoke again without keepDeny to lift it", nil
	}
	live, err := u.livePolicy(ctx, arn, rec)
	if err != nil {
		p.Err = "the Deny could not be lifted: GetResourcePolicy: " + errText(err)
		return StepFailed, p.Err, nil
	}
	var summary string
	switch {
	case !hasStatement(live, sid):
		summary = "the Deny statement " + sid + " was already gone from the policy"
	case samePolicy(live, p.DenyPolicy):
		err = u.restore(ctx, arn, p.PreviousPolicy, rec)
		summary = "restored the policy saved before the Deny"
		if p.PreviousPolicy == "" {
			summary = "deleted the policy: the secret had none before the Deny"
		}
	default:
		doc, empty, perr := withoutStatement(live, sid)
		if perr != nil {
			p.Err = "the Deny could not be lifted: the policy was changed and does not parse: " + perr.Error()
			return StepFailed, p.Err, nil
		}
		if empty {
			err = u.restore(ctx, arn, "", rec)
		} else {
			err = u.putPolicy(ctx, arn, doc, rec)
		}
		summary = "the policy was changed during the incident: removed only the Deny statement " + sid
	}
	if err != nil {
		p.Err = "the Deny could not be lifted: " + errText(err)
		if isPublicPolicy(err) {
			p.Err = "the Deny stays: the saved policy grants broad access and BlockPublicPolicy refused to restore it; a human must decide"
		}
		return StepFailed, p.Err, nil
	}
	p.DenyLifted = true
	return StepDone, summary, nil
}

// restore puts the saved policy back, byte for byte, or deletes the policy
// when there was none.
func (u *run) restore(ctx context.Context, arn, saved string, rec *recorder) error {
	if saved != "" {
		return u.putPolicy(ctx, arn, saved, rec)
	}
	return rec.write("secretsmanager", "DeleteResourcePolicy", params{"SecretId": arn}, func() error {
		_, err := u.Secrets.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: &arn})
		return err
	})
}
