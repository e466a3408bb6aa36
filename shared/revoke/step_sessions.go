package revoke

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

var sessionActions = []string{"iam:PutRolePolicy"}

// stepSessions revokes the active sessions of the IAM roles CloudTrail saw
// reading the secret, as the IAM console's "Revoke active sessions" does:
// the inline policy AWSRevokeOlderSessions denies everything to sessions
// issued before now (new sessions are unaffected). It never touches the
// break-glass roles, the revoker's own role or the rotation function's role,
// nor service-linked roles (immutable) or roles in other accounts (reported).
func (u *run) stepSessions(ctx context.Context, t *target, rec *recorder) (string, string, error) {
	if !u.req.RevokeSessions {
		return StepSkipped, "not requested (revokeSessions)", nil
	}
	rep, p := &t.item.report, &t.item.progress
	ev := rep.Evidence
	if ev == nil || ev.CloudTrail.Status != TrailOK {
		rep.Problems = append(rep.Problems, "sessions not revoked: without CloudTrail evidence the roles that read the secret are unknown")
		return StepSkipped, "no CloudTrail evidence: the roles that read the secret are unknown", nil
	}
	spared := slices.Concat(u.breakGlass, []string{u.id.role, t.rotationRole})
	var roles, notes []string
	for _, c := range ev.CloudTrail.Callers {
		switch {
		case c.RoleARN == "":
			if c.Type == "IAMUser" && c.Calls > c.Denied {
				notes = append(notes, "IAM user "+c.PrincipalARN+" read the secret: deactivate its access keys by hand")
			}
		case c.Calls == c.Denied, slices.Contains(roles, c.RoleARN):
		case slices.Contains(spared, c.RoleARN):
			notes = append(notes, "spared "+c.RoleARN+" (break-glass, revoker or rotation role)")
		case strings.Contains(c.RoleARN, ":role/aws-service-role/"):
			notes = append(notes, "spared service-linked role "+c.RoleARN)
		case accountOf(c.RoleARN) != u.id.account:
			rep.Problems = append(rep.Problems, "role "+c.RoleARN+" in another account read the secret: revoke its sessions there")
		default:
			roles = append(roles, c.RoleARN)
		}
	}
	now := u.now()
	doc := revokeSessionsPolicy(now)
	var done, failed []string
	for _, role := range roles {
		if slices.Contains(p.Revoked, role) {
			continue
		}
		name := role[strings.LastIndex(role, "/")+1:]
		err := rec.write("iam", "PutRolePolicy", params{"RoleName": name, "PolicyName": RevokeSessionsPolicyName, "PolicyDocument": doc}, func() error {
			_, err := u.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &name, PolicyName: ptr(RevokeSessionsPolicyName), PolicyDocument: &doc})
			return err
		})
		if err != nil {
			failed = append(failed, role+": "+errText(err))
			continue
		}
		done = append(done, role)
		if !u.req.DryRun {
			p.Revoked = append(p.Revoked, role)
			if err := u.save(ctx, t); err != nil {
				return "", "", err
			}
		}
	}
	verb := "revoked"
	if u.req.DryRun {
		verb = "would revoke"
	}
	summary := fmt.Sprintf("%s the sessions issued before %s of %d role(s) %v", verb, now.Format("2006-01-02T15:04:05Z"), len(done), done)
	if len(notes) > 0 {
		summary += "; " + strings.Join(notes, "; ")
	}
	if len(failed) > 0 {
		p.Err = "revoking sessions failed for " + strings.Join(failed, ", ")
		return StepFailed, summary + "; failed: " + strings.Join(failed, ", "), nil
	}
	if u.req.DryRun {
		return StepDryRun, summary, nil
	}
	return StepDone, summary, nil
}

func accountOf(a string) string {
	if p, err := arn.Parse(a); err == nil {
		return p.AccountID
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
