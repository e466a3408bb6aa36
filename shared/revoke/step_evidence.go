package revoke

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/secret"
)

var evidenceActions = []string{
	"secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecretVersionIds",
	"cloudtrail:LookupEvents",
}

// Evidence is what the secret looked like before the revoker touched it,
// and who read it recently. It never holds a secret value.
type Evidence struct {
	CollectedAt time.Time   `json:"collectedAt"`
	Secret      SecretFacts `json:"secret"`
	// ResourcePolicy is the policy before the Deny ("" for none).
	ResourcePolicy string             `json:"resourcePolicy"`
	Versions       []Version          `json:"versions"`
	CloudTrail     CloudTrailEvidence `json:"cloudTrail"`
}

// SecretFacts are DescribeSecret's configuration facts.
type SecretFacts struct {
	Name              string              `json:"name"`
	RotationEnabled   bool                `json:"rotationEnabled"`
	RotationLambdaARN string              `json:"rotationLambdaArn,omitempty"`
	OwningService     string              `json:"owningService,omitempty"`
	KMSKeyID          string              `json:"kmsKeyId,omitempty"`
	Created           *time.Time          `json:"created,omitempty"`
	LastChanged       *time.Time          `json:"lastChanged,omitempty"`
	LastAccessed      *time.Time          `json:"lastAccessed,omitempty"`
	LastRotated       *time.Time          `json:"lastRotated,omitempty"`
	Tags              map[string]string   `json:"tags,omitempty"`
	VersionStages     map[string][]string `json:"versionStages,omitempty"`
}

// Version is one version of the secret (ListSecretVersionIds, deprecated
// versions included).
type Version struct {
	ID           string     `json:"id"`
	Stages       []string   `json:"stages,omitempty"`
	Created      *time.Time `json:"created,omitempty"`
	LastAccessed *time.Time `json:"lastAccessed,omitempty"`
}

// stepEvidence records the secret's configuration, policy, versions and
// readers. A failed read is recorded and the revocation goes on: evidence
// must never delay cutting access by more than its own calls.
func (u *run) stepEvidence(ctx context.Context, t *target, rec *recorder) (string, string, error) {
	arn := t.snap.ARN
	ev := &Evidence{CollectedAt: u.now()}
	var failed []string
	var d *secretsmanager.DescribeSecretOutput
	if err := rec.read("secretsmanager", "DescribeSecret", params{"SecretId": arn}, func() (err error) {
		d, err = u.Secrets.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &arn})
		return err
	}); err != nil {
		failed = append(failed, "DescribeSecret: "+errText(err))
	} else if s, err := secret.FromDescribe(d, ev.CollectedAt); err == nil {
		ev.Secret = facts(s)
	}
	var pol *secretsmanager.GetResourcePolicyOutput
	if err := rec.read("secretsmanager", "GetResourcePolicy", params{"SecretId": arn}, func() (err error) {
		pol, err = u.Secrets.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: &arn})
		return err
	}); err != nil {
		failed = append(failed, "GetResourcePolicy: "+errText(err))
	} else {
		ev.ResourcePolicy = aws.ToString(pol.ResourcePolicy)
	}
	if p := &t.item.progress; p.PolicySaved {
		ev.ResourcePolicy = p.PreviousPolicy // resumed after the Deny: the policy before it
	}
	in := &secretsmanager.ListSecretVersionIdsInput{SecretId: &arn, IncludeDeprecated: aws.Bool(true)}
	pages := secretsmanager.NewListSecretVersionIdsPaginator(u.Secrets, in)
	for pages.HasMorePages() {
		var page *secretsmanager.ListSecretVersionIdsOutput
		if err := rec.read("secretsmanager", "ListSecretVersionIds", params{"SecretId": arn, "IncludeDeprecated": true}, func() (err error) {
			page, err = pages.NextPage(ctx)
			return err
		}); err != nil {
			failed = append(failed, "ListSecretVersionIds: "+errText(err))
			break
		}
		for _, v := range page.Versions {
			ev.Versions = append(ev.Versions, Version{ID: aws.ToString(v.VersionId), Stages: v.VersionStages,
				Created: timePtr(v.CreatedDate), LastAccessed: timePtr(v.LastAccessedDate)})
		}
	}
	ev.CloudTrail = u.trail.forSecret(ctx, u, t.snap, rec)
	t.item.report.Evidence = ev
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	summary := fmt.Sprintf("%d version(s), policy %s; CloudTrail %s", len(ev.Versions), policyWord(ev.ResourcePolicy), ev.CloudTrail.describe())
	if ev.CloudTrail.Status != TrailOK {
		t.item.report.Problems = append(t.item.report.Problems, "CloudTrail evidence "+ev.CloudTrail.Status+": who read the secret is unknown ("+ev.CloudTrail.Reason+")")
	}
	if len(failed) > 0 {
		t.item.report.Problems = append(t.item.report.Problems, "evidence incomplete: "+fmt.Sprint(failed))
		return StepFailed, "evidence incomplete (" + fmt.Sprint(failed) + "); " + summary, nil
	}
	return StepDone, summary, nil
}

func policyWord(p string) string {
	if p == "" {
		return "none"
	}
	return "saved"
}

func facts(s *secret.Snapshot) SecretFacts {
	return SecretFacts{
		Name: s.Name, RotationEnabled: s.RotationEnabled, RotationLambdaARN: s.RotationLambdaARN,
		OwningService: s.OwningService, KMSKeyID: s.KMSKeyID, Tags: s.Tags, VersionStages: s.VersionStages,
		Created: nonZero(s.CreatedDate), LastChanged: nonZero(s.LastChangedDate),
		LastAccessed: nonZero(s.LastAccessedDate), LastRotated: nonZero(s.LastRotatedDate),
	}
}

func nonZero(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
