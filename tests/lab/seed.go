package lab

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Secret is one secret the lab seeded.
type Secret struct {
	Name  string // as created (with Target.Suffix)
	ARN   string
	Shows string // what it is there to show
}

// Account is what Seed created.
type Account struct {
	Secrets []Secret // sorted by name
	// SigningSecretARN is the webhook's HMAC key, read by the notifier.
	SigningSecretARN string
	// Notes say what moto could not seed as AWS would have it.
	Notes []string
}

// ByName returns the seeded secret whose name (without suffix) is name.
func (a *Account) ByName(name string, t *Target) (Secret, bool) {
	for _, s := range a.Secrets {
		if s.Name == name+t.Suffix {
			return s, true
		}
	}
	return Secret{}, false
}

// spec describes one secret to seed.
type spec struct {
	name, shows string
	cmk         bool              // on the lab's key, else aws/secretsmanager
	tags        map[string]string // nil: none
	policy      string            // "" for none; ACCOUNT is replaced
	rotateDays  int64             // > 0: rotation on, with the lab's function
	stuck       bool              // an AWSPENDING left beside AWSCURRENT
	replicate   bool              // replicated to ReplicaRegion on the lab's key there
}

// SigningSecret is the name of the webhook's HMAC key.
const SigningSecret = "secretguard/webhook-signing"

// SigningKey is its value. It is a demo key, not a credential.
const SigningKey = "demo-hmac-key-not-a-secret"

func tags(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

const (
	publicPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AnyoneCanRead","Effect":"Allow","Principal":"*",` +
		`"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	foreignPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"PartnerReads","Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	ownPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AppReads","Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::ACCOUNT:role/checkout-app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
)

// specs is the realistic account: what a platform team finds on its first
// scan. now dates the waivers.
func specs(now time.Time) []spec {
	ok := tags("owner", "team-platform", "environment", "prod")
	with := func(m map[string]string, kv ...string) map[string]string {
		out := tags(kv...)
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	day := func(d int) string { return now.AddDate(0, 0, d).Format(time.DateOnly) }
	return []spec{
		{name: "db/orders/primary", shows: "database credentials without rotation", cmk: true, tags: ok},
		{name: "db/billing/reporting", shows: "database credentials without rotation, on aws/secretsmanager", tags: ok},
		{name: "db/inventory", shows: "compliant database secret (30-day rotation)", cmk: true, tags: ok, rotateDays: 30},
		{name: "db/analytics/readonly", shows: "replicated to " + ReplicaRegion + " (moto drops the replica's key: non-compliant here)", cmk: true, rotateDays: 30,
			tags: with(ok, "secretguard:replicate-to", ReplicaRegion), replicate: true},
		{name: "api-key/stripe", shows: "API key on a 90-day schedule (class maximum 7)", cmk: true, tags: ok, rotateDays: 90},
		{name: "api-key/sendgrid", shows: "compliant API key (7-day rotation)", cmk: true, tags: ok, rotateDays: 7},
		{name: "token/github-actions", shows: "API token: no rotation, no tags, aws/secretsmanager"},
		{name: "app/public-config", shows: "resource policy open to everyone", cmk: true, tags: ok, rotateDays: 60, policy: publicPolicy},
		{name: "app/partner-feed", shows: "policy grants an unknown account (999988887777)", cmk: true, tags: ok, rotateDays: 60, policy: foreignPolicy},
		{name: "app/checkout", shows: "compliant, with a same-account policy", cmk: true, tags: ok, rotateDays: 60, policy: ownPolicy},
		{name: "app/legacy-blob", shows: "encrypted with aws/secretsmanager", tags: ok, rotateDays: 60},
		{name: "app/untagged", shows: "no owner or environment tag", cmk: true, rotateDays: 60},
		{name: "app/half-tagged", shows: "environment tag missing", cmk: true, rotateDays: 60, tags: tags("owner", "team-web")},
		{name: "app/bad-env", shows: "environment tag not an allowed value", cmk: true, rotateDays: 60, tags: tags("owner", "team-web", "environment", "production")},
		{name: "app/eu-mirror", shows: "must be replicated to " + ReplicaRegion + ", is not", cmk: true, rotateDays: 60,
			tags: with(ok, "secretguard:replicate-to", ReplicaRegion)},
		{name: "app/stuck-rotation", shows: "a rotation left AWSPENDING behind", cmk: true, tags: ok, rotateDays: 60, stuck: true},
		{name: "vendor/datadog", shows: "valid waiver on rotation until " + day(30), cmk: true,
			tags: with(ok, "secretguard:waive:rotation-enabled", day(30)+" vendor rotates this key", "secretguard:waive:rotation-function", day(30)+" vendor rotates this key")},
		{name: "vendor/legacy-erp", shows: "expired waiver (" + day(-10) + ")", cmk: true,
			tags: with(ok, "secretguard:waive:rotation-enabled", day(-10)+" migration planned")},
		{name: "rds!db-3f6c1e2a-9b7d-4c1e-8f2a-5d6b7c8e9f01", shows: "RDS-managed in AWS; a plain secret here (moto has no OwningService)",
			cmk: true, rotateDays: 7, tags: with(ok, "secretguard:class", "database")},
		{name: "team+ops/app.config@v2", shows: "odd characters in the name, compliant", cmk: true, tags: ok, rotateDays: 90},
		{name: "svc_payments/=legacy=key", shows: "odd characters, no tags, no rotation", cmk: true},
		{name: "prod/payments/db", shows: "payments database, rotation on (the revoker's target)", cmk: true, rotateDays: 30,
			tags: tags("owner", "team-payments", "environment", "prod", "team", "payments", "secretguard:class", "database")},
		{name: "prod/payments/api-key", shows: "payments API key, rotation on", cmk: true, rotateDays: 7,
			tags: tags("owner", "team-payments", "environment", "prod", "team", "payments", "secretguard:class", "api-key")},
		{name: SigningSecret, shows: "the notifier's webhook HMAC key (rotation waived)", cmk: true,
			tags: with(tags("owner", "team-secops", "environment", "prod"),
				"secretguard:waive:rotation-enabled", day(90)+" rotated with the receiver", "secretguard:waive:rotation-function", day(90)+" rotated with the receiver")},
	}
}

// Seed creates the realistic account at the target, four secrets at a
// time (moto answers 500 to heavier concurrent writes).
func Seed(ctx context.Context, t *Target, in *Infra, now time.Time) (*Account, error) {
	all := specs(now)
	acct := &Account{Notes: []string{
		"moto cannot create a secret with an OwningService: rds!db-… is a plain secret here, so secretguard treats it as a database secret it may rotate; in AWS it is managed by RDS and left alone.",
		"moto's RotateSecret with RotateImmediately=false still stages AWSPENDING on a new version (AWS does not): the seed removes it so that secrets seeded with rotation look as they would in AWS.",
	}}
	sm := secretsmanager.NewFromConfig(t.Config(Region))
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		work = make(chan spec)
	)
	for range 4 {
		wg.Go(func() {
			for sp := range work {
				s, err := seedOne(ctx, sm, t, in, sp)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					acct.Secrets = append(acct.Secrets, s)
				}
				mu.Unlock()
			}
		})
	}
	for _, sp := range all {
		work <- sp
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(acct.Secrets, func(i, j int) bool { return acct.Secrets[i].Name < acct.Secrets[j].Name })
	if s, ok := acct.ByName(SigningSecret, t); ok {
		acct.SigningSecretARN = s.ARN
	}
	return acct, nil
}

func seedOne(ctx context.Context, sm *secretsmanager.Client, t *Target, in *Infra, sp spec) (Secret, error) {
	name := sp.name + t.Suffix
	value := `{"username":"app","password":"not-a-real-password"}`
	if sp.name == SigningSecret {
		value = SigningKey
	}
	ci := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value),
		Description: aws.String(sp.shows)}
	if sp.cmk {
		ci.KmsKeyId = aws.String(in.Keys[Region])
	}
	keys := make([]string, 0, len(sp.tags))
	for k := range sp.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ci.Tags = append(ci.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(sp.tags[k])})
	}
	if sp.replicate {
		ci.AddReplicaRegions = []smtypes.ReplicaRegionType{{Region: aws.String(ReplicaRegion), KmsKeyId: aws.String(in.Keys[ReplicaRegion])}}
	}
	var arn string
	out, err := sm.CreateSecret(ctx, ci)
	var exists *smtypes.ResourceExistsException
	switch {
	case err == nil:
		arn = aws.ToString(out.ARN)
	case errors.As(err, &exists): // a retried create whose first attempt succeeded
		d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if err != nil {
			return Secret{}, fmt.Errorf("seed %s: %w", name, err)
		}
		arn = aws.ToString(d.ARN)
	default:
		return Secret{}, fmt.Errorf("seed %s: %w", name, err)
	}
	if sp.policy != "" {
		pol := strings.ReplaceAll(sp.policy, "ACCOUNT", t.Account)
		if _, err := sm.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(pol)}); err != nil {
			return Secret{}, fmt.Errorf("seed %s: policy: %w", name, err)
		}
	}
	if sp.rotateDays > 0 {
		if err := enableRotation(ctx, sm, arn, in.RotationFunctionARN, sp.rotateDays); err != nil {
			return Secret{}, fmt.Errorf("seed %s: %w", name, err)
		}
	}
	if sp.stuck {
		if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(arn),
			SecretString: aws.String(`{"username":"app","password":"half-rotated"}`), VersionStages: []string{"AWSPENDING"}}); err != nil {
			return Secret{}, fmt.Errorf("seed %s: stuck rotation: %w", name, err)
		}
	}
	return Secret{Name: name, ARN: arn, Shows: sp.shows}, nil
}

// enableRotation turns rotation on without rotating now, as the console
// does, then takes AWSPENDING off the version moto stages it on (AWS would
// not have created that version).
func enableRotation(ctx context.Context, sm *secretsmanager.Client, arn, function string, days int64) error {
	_, err := sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String(function),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(days)}, RotateImmediately: aws.Bool(false)})
	if err != nil {
		return fmt.Errorf("rotation: %w", err)
	}
	d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("rotation: %w", err)
	}
	for v, stages := range d.VersionIdsToStages {
		for _, st := range stages {
			if st == "AWSPENDING" {
				if _, err := sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String(arn),
					VersionStage: aws.String("AWSPENDING"), RemoveFromVersionId: aws.String(v)}); err != nil {
					return fmt.Errorf("rotation: unstage AWSPENDING: %w", err)
				}
			}
		}
	}
	return nil
}
