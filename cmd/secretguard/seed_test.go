package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// seeder creates secrets in moto with the SDK, as an operator would.
type seeder struct {
	t   *testing.T
	ctx context.Context
	cfg aws.Config
	sm  *secretsmanager.Client
}

func newSeeder(t *testing.T, srv *motoserver.Server, region string) *seeder {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cfg := srv.Config(t, region)
	return &seeder{t: t, ctx: ctx, cfg: cfg, sm: secretsmanager.NewFromConfig(cfg)}
}

// must fails the test when a seeding call failed.
func seedMust[T any](t *testing.T, what string) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// functions creates one Lambda function per name and returns their ARNs:
// moto's RotateSecret wants the rotation function to exist
// (awsfix.RotationFunction).
func (s *seeder) functions(names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = awsfix.RotationFunction(s.t, s.ctx, s.cfg, n)
	}
	return out
}

// key creates a customer managed KMS key and returns its ARN.
func (s *seeder) key() string {
	k := seedMust[*kms.CreateKeyOutput](s.t, "CreateKey")(kms.NewFromConfig(s.cfg).CreateKey(s.ctx, &kms.CreateKeyInput{}))
	return aws.ToString(k.KeyMetadata.Arn)
}

// secretSpec describes one secret to seed.
type secretSpec struct {
	name   string
	key    string            // "" for the AWS managed key
	tags   map[string]string // nil: none
	policy string            // "" for none
	// rotation: the function ARN ("" for rotation off) and the schedule.
	rotateWith string
	days       int64
	// stuck leaves an AWSPENDING version beside AWSCURRENT, as a rotation
	// that failed after createSecret does.
	stuck bool
	// replicateTo lists replica Regions (replicas on the AWS managed key).
	replicateTo []string
}

// create seeds one secret and returns its ARN (awsfix.CreateSecret).
func (s *seeder) create(sp secretSpec) string {
	t := s.t
	t.Helper()
	in := &secretsmanager.CreateSecretInput{Name: aws.String(sp.name), SecretString: aws.String(`{"password":"not-a-real-one"}`)}
	if sp.key != "" {
		in.KmsKeyId = aws.String(sp.key)
	}
	for k, v := range sp.tags {
		in.Tags = append(in.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	arn := awsfix.CreateSecret(t, s.ctx, s.sm, in)
	if sp.policy != "" {
		seedMust[*secretsmanager.PutResourcePolicyOutput](t, "PutResourcePolicy "+sp.name)(s.sm.PutResourcePolicy(s.ctx, &secretsmanager.PutResourcePolicyInput{
			SecretId: aws.String(arn), ResourcePolicy: aws.String(sp.policy)}))
	}
	if sp.rotateWith != "" {
		s.rotate(arn, sp.rotateWith, sp.days)
	}
	if sp.stuck {
		seedMust[*secretsmanager.PutSecretValueOutput](t, "PutSecretValue AWSPENDING "+sp.name)(s.sm.PutSecretValue(s.ctx, &secretsmanager.PutSecretValueInput{
			SecretId: aws.String(arn), SecretString: aws.String(`{"password":"half-rotated"}`), VersionStages: []string{secret.StagePending}}))
	}
	if len(sp.replicateTo) > 0 {
		var rs []smtypes.ReplicaRegionType
		for _, r := range sp.replicateTo {
			rs = append(rs, smtypes.ReplicaRegionType{Region: aws.String(r)})
		}
		seedMust[*secretsmanager.ReplicateSecretToRegionsOutput](t, "ReplicateSecretToRegions "+sp.name)(s.sm.ReplicateSecretToRegions(s.ctx,
			&secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String(arn), AddReplicaRegions: rs}))
	}
	return arn
}

// rotate enables rotation (moto honours AutomaticallyAfterDays, not
// ScheduleExpression) and then does what the rotation function's
// finishSecret step does on AWS: move AWSCURRENT to the AWSPENDING version.
// moto invokes no code, so without this every rotated secret would keep
// AWSPENDING on a version of its own, which is a failed rotation.
func (s *seeder) rotate(arn, fn string, days int64) {
	t := s.t
	t.Helper()
	seedMust[*secretsmanager.RotateSecretOutput](t, "RotateSecret")(s.sm.RotateSecret(s.ctx, &secretsmanager.RotateSecretInput{
		SecretId: aws.String(arn), RotationLambdaARN: aws.String(fn),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(days)},
	}))
	d := seedMust[*secretsmanager.DescribeSecretOutput](t, "DescribeSecret")(s.sm.DescribeSecret(s.ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)}))
	var current, pending string
	for id, stages := range d.VersionIdsToStages {
		for _, st := range stages {
			switch st {
			case secret.StageCurrent:
				current = id
			case secret.StagePending:
				pending = id
			}
		}
	}
	if pending == "" || pending == current {
		return // nothing to finish
	}
	seedMust[*secretsmanager.UpdateSecretVersionStageOutput](t, "UpdateSecretVersionStage")(s.sm.UpdateSecretVersionStage(s.ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(arn), VersionStage: aws.String(secret.StageCurrent),
		MoveToVersionId: aws.String(pending), RemoveFromVersionId: aws.String(current),
	}))
}

// writeBaseline writes a baseline file into a temporary directory.
func writeBaseline(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "baseline.yaml")
	if err := os.WriteFile(p, []byte(strings.TrimLeft(body, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
