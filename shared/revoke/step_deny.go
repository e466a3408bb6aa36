package revoke

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

var denyActions = []string{"secretsmanager:GetResourcePolicy", "secretsmanager:PutResourcePolicy"}

// livePolicy reads the secret's current resource policy ("" for none).
func (u *run) livePolicy(ctx context.Context, arn string, rec *recorder) (string, error) {
	var out *secretsmanager.GetResourcePolicyOutput
	err := rec.read("secretsmanager", "GetResourcePolicy", params{"SecretId": arn}, func() (err error) {
		out, err = u.Secrets.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: &arn})
		return err
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ResourcePolicy), nil
}

// putPolicy puts a policy with BlockPublicPolicy.
func (u *run) putPolicy(ctx context.Context, arn, doc string, rec *recorder) error {
	return rec.write("secretsmanager", "PutResourcePolicy", params{"SecretId": arn, "ResourcePolicy": doc, "BlockPublicPolicy": true}, func() error {
		_, err := u.Secrets.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{
			SecretId: &arn, ResourcePolicy: &doc, BlockPublicPolicy: aws.Bool(true),
		})
		return err
	})
}

func isPublicPolicy(err error) bool {
	var pe *smtypes.PublicPolicyException
	return errors.As(err, &pe)
}

// stepDeny adds the incident's Deny statement to the resource policy. The
// policy it replaces is saved in the state item before the put, so a crash
// between the two never loses it; a Deny already there (a resumed
// invocation) is not added again.
func (u *run) stepDeny(ctx context.Context, t *target, rec *recorder) (string, string, error) {
	arn, p := t.snap.ARN, &t.item.progress
	sid := DenySid(u.req.IncidentID)
	live, err := u.livePolicy(ctx, arn, rec)
	if err != nil {
		p.Err = "the Deny was not applied: GetResourcePolicy: " + errText(err)
		return StepFailed, p.Err, nil
	}
	if hasStatement(live, sid) {
		if !p.PolicySaved {
			// Our Deny is there but the original was not saved (the item was
			// lost): the original is the policy without our statement.
			prev, empty, err := withoutStatement(live, sid)
			if err != nil {
				p.Err = "the Deny is in place but the original policy cannot be recovered: " + err.Error()
				return StepFailed, p.Err, nil
			}
			if empty {
				prev = ""
			}
			p.PolicySaved, p.PreviousPolicy = true, prev
		}
		p.DenyApplied, p.DenyPolicy = true, live
		msg := "the Deny statement " + sid + " is already in the policy (resumed): not added again"
		if u.req.DryRun {
			return StepDryRun, msg, nil
		}
		return StepDone, msg, nil
	}
	if !p.PolicySaved {
		p.PolicySaved, p.PreviousPolicy = true, live
		if err := u.checkpoint(ctx, t); err != nil {
			return "", "", err
		}
	}
	st := denyStatement(sid, t.exempt)
	doc, note, err := withDeny(live, st)
	if err != nil {
		return "", "", fmt.Errorf("build the Deny policy: %w", err)
	}
	err = u.putPolicy(ctx, arn, doc, rec)
	if isPublicPolicy(err) {
		// An original statement grants broad access and BlockPublicPolicy
		// refuses it: cut access with the Deny alone (fail closed).
		if doc, err = denyOnly(st); err != nil {
			return "", "", err
		}
		note = "the current policy grants broad access (BlockPublicPolicy refused it): it is replaced by the Deny alone"
		err = u.putPolicy(ctx, arn, doc, rec)
	}
	if err != nil {
		p.Err = "the Deny was not applied: PutResourcePolicy: " + errText(err)
		return StepFailed, p.Err, nil
	}
	summary := fmt.Sprintf("Deny statement %s on secretsmanager:* for every principal except %s", sid, strings.Join(t.exempt, ", "))
	if note != "" {
		summary += "; " + note
		t.item.report.Problems = append(t.item.report.Problems, note)
	}
	if u.req.DryRun {
		return StepDryRun, "would add the " + summary, nil
	}
	p.DenyApplied, p.DenyPolicy = true, doc
	return StepDone, "added the " + summary, nil
}
