package secret_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const (
	primary = "us-east-1"
	replica = "eu-west-1"
)

func motoCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// instrumented returns a Secrets Manager client whose calls go through the
// awsenv limiter and counter, as in the Lambdas.
func instrumented(tb testing.TB, srv *motoserver.Server, region string, b awsenv.Budget) (*secretsmanager.Client, *awsenv.Counter) {
	cfg := srv.Config(tb, region)
	counter := awsenv.NewCounter()
	awsenv.Instrument(&cfg, awsenv.NewLimiter(b), counter)
	return secretsmanager.NewFromConfig(cfg), counter
}

// fastBudget keeps the limiter from being moto's bottleneck.
var fastBudget = awsenv.Budget{Policy: 1000, Describe: 10000, List: 1000}

// seed creates n secrets named prefix00000, prefix00001, ...
func seed(tb testing.TB, sm *secretsmanager.Client, prefix string, n int) {
	tb.Helper()
	awsfix.CreateSecrets(tb, motoCtx(tb), sm, n, func(i int) *secretsmanager.CreateSecretInput {
		return &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprintf("%s%05d", prefix, i)), SecretString: aws.String("x")}
	})
}

// must(call(...))(t) fails t when the call failed and returns its result.
func must[T any](v T, err error) func(testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

func TestMotoSecretAndSweep(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	ctx := motoCtx(t)
	cfg := srv.Config(t, primary)
	sm := secretsmanager.NewFromConfig(cfg)
	start := time.Now().Add(-time.Second)
	lambdaARN := awsfix.RotationFunction(t, ctx, cfg, "rotate")
	key := must(kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{}))(t)
	keyARN := aws.ToString(key.KeyMetadata.Arn)

	const name = "team/db+admin=x.y@z-1"
	const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`
	created := must(sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String("v"), KmsKeyId: aws.String(keyARN),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}, {Key: aws.String("empty"), Value: aws.String("")}},
	}))(t)
	must(sm.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: created.ARN, ResourcePolicy: aws.String(policy)}))(t)
	must(sm.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: created.ARN, RotationLambdaARN: aws.String(lambdaARN),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}}))(t)
	must(sm.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: created.ARN,
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String(replica)}}}))(t)
	plain := must(sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("plain"), SecretString: aws.String("v")}))(t)
	must(sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("doomed"), SecretString: aws.String("v")}))(t)
	must(sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("doomed"), RecoveryWindowInDays: aws.Int64(7)}))(t)
	end := time.Now().Add(time.Second)

	client, counter := instrumented(t, srv, primary, fastBudget)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	o := &secret.Observer{Client: client, Region: primary, Now: func() time.Time { return now }}

	// Secret by name and by ARN: one DescribeSecret and one GetResourcePolicy each.
	byName := must(o.Secret(ctx, name, secret.Needs{Policy: true}))(t)
	byARN := must(o.Secret(ctx, aws.ToString(created.ARN), secret.Needs{Policy: true}))(t)
	if !reflect.DeepEqual(byName, byARN) {
		t.Fatalf("by name and by ARN differ:\n%+v\n%+v", byName, byARN)
	}
	wantCounts(t, counter, map[string]int64{"secretsmanager:DescribeSecret": 2, "secretsmanager:GetResourcePolicy": 2})

	s := byName
	if s.ARN != aws.ToString(created.ARN) || s.Name != name || s.Partition != "aws" || s.Region != primary || s.AccountID != motoserver.TestAccount {
		t.Errorf("identity: %+v", s)
	}
	if s.KMSKeyID != keyARN || s.OwningService != "" || s.Type != "" || s.Problem != "" || s.Gone {
		t.Errorf("key/owner/problem: %+v", s)
	}
	if !reflect.DeepEqual(s.Tags, map[string]string{"team": "payments", "empty": ""}) {
		t.Errorf("tags %v", s.Tags)
	}
	if !s.PolicyKnown || s.ResourcePolicy != policy {
		t.Errorf("policy %v %q", s.PolicyKnown, s.ResourcePolicy)
	}
	if !s.RotationEnabled || s.RotationLambdaARN != lambdaARN || s.RotationRules.AutomaticallyAfterDays != 30 {
		t.Errorf("rotation: %v %q %+v", s.RotationEnabled, s.RotationLambdaARN, s.RotationRules)
	}
	if got := s.VersionsWith(secret.StageCurrent); len(got) != 1 {
		t.Errorf("AWSCURRENT on %v (stages %v)", got, s.VersionStages)
	}
	for field, d := range map[string]time.Time{"CreatedDate": s.CreatedDate, "LastChangedDate": s.LastChangedDate, "LastRotatedDate": s.LastRotatedDate} {
		if d.Location() != time.UTC || d.Before(start.Truncate(time.Second)) || d.After(end) {
			t.Errorf("%s = %v, want UTC within the test", field, d)
		}
	}
	if want := s.LastRotatedDate.AddDate(0, 0, 30); !s.NextRotationDate.Equal(want) {
		t.Errorf("NextRotationDate %v, want %v", s.NextRotationDate, want)
	}
	if !s.ReplicasKnown || len(s.Replicas) != 1 || s.Replicas[0].Region != replica || s.Replicas[0].Status != "InSync" {
		t.Errorf("replicas %+v", s.Replicas)
	}
	if s.IsReplica() || s.ScheduledForDeletion() || s.ObservedAt != now {
		t.Errorf("replica/deletion/observed: %+v", s)
	}

	// Sweep: ListSecrets, GetResourcePolicy for each live secret, DescribeSecret only where asked.
	counter.Reset()
	needs := secret.Needs{Policy: true, Replicas: func(s *secret.Snapshot) bool { return s.Name == name }}
	got := map[string]*secret.Snapshot{}
	st, err := o.Sweep(ctx, secret.SweepOptions{IncludePlannedDeletion: true}, needs, func(p secret.Page) error {
		for _, s := range p.Snapshots {
			got[s.Name] = s
		}
		return nil
	})
	if err != nil || st != (secret.Stats{Pages: 1, Secrets: 3}) {
		t.Fatalf("Sweep: %v, %+v", err, st)
	}
	wantCounts(t, counter, map[string]int64{"secretsmanager:ListSecrets": 1, "secretsmanager:DescribeSecret": 1, "secretsmanager:GetResourcePolicy": 2})
	if !reflect.DeepEqual(got[name], byName) {
		t.Errorf("sweep and Secret differ:\n%+v\n%+v", got[name], byName)
	}
	p := got["plain"]
	if p.ARN != aws.ToString(plain.ARN) || !p.PolicyKnown || p.ResourcePolicy != "" || p.ReplicasKnown || p.KMSKeyID != "" || p.RotationEnabled || p.Tags != nil {
		t.Errorf("plain: %+v", p)
	}
	if d := got["doomed"]; !d.ScheduledForDeletion() || d.PolicyKnown || d.DeletedDate.Location() != time.UTC {
		t.Errorf("doomed: %+v", d)
	}

	// The replica, swept in its own Region.
	rclient, _ := instrumented(t, srv, replica, fastBudget)
	ro := &secret.Observer{Client: rclient, Region: replica}
	var rs []*secret.Snapshot
	if _, err := ro.Sweep(ctx, secret.SweepOptions{}, secret.Needs{}, func(p secret.Page) error { rs = append(rs, p.Snapshots...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Name != name || rs[0].Region != replica || rs[0].PrimaryRegion != primary || !rs[0].IsReplica() || rs[0].Tags["team"] != "payments" {
		t.Errorf("replica: %+v", rs)
	}
}

func TestMotoNotFoundAndGone(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	ctx := motoCtx(t)
	sm := secretsmanager.NewFromConfig(srv.Config(t, primary))
	seed(t, sm, "keep/", 3)
	must(sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("vanishing"), SecretString: aws.String("v")}))(t)

	client, counter := instrumented(t, srv, primary, fastBudget)
	o := &secret.Observer{Client: client, Region: primary}
	for _, id := range []string{"no/such+secret", "arn:aws:secretsmanager:us-east-1:" + motoserver.TestAccount + ":secret:no/such-AbCdEf"} {
		if _, err := o.Secret(ctx, id, secret.Needs{Policy: true}); !errors.Is(err, secret.ErrNotFound) {
			t.Errorf("Secret(%s): %v, want ErrNotFound", id, err)
		}
	}
	if _, err := o.Secret(ctx, "arn:aws:secretsmanager:us-east-1:42:secret:x", secret.Needs{}); err == nil {
		t.Error("bad ARN: no error")
	}
	wantCounts(t, counter, map[string]int64{"secretsmanager:DescribeSecret": 2})

	// Deleted between ListSecrets and GetResourcePolicy: the predicate runs
	// after the listing and before the enrichment.
	needs := secret.Needs{Policy: true, Replicas: func(s *secret.Snapshot) bool {
		if s.Name == "vanishing" {
			// Not t.Fatal: the predicate runs on the Sweep's goroutine.
			if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(s.ARN), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
				t.Errorf("DeleteSecret: %v", err)
			}
		}
		return false
	}}
	var snaps []*secret.Snapshot
	st, err := o.Sweep(ctx, secret.SweepOptions{}, needs, func(p secret.Page) error { snaps = append(snaps, p.Snapshots...); return nil })
	if err != nil || st != (secret.Stats{Pages: 1, Secrets: 4, Gone: 1}) {
		t.Fatalf("Sweep: %v %+v", err, st)
	}
	for _, s := range snaps {
		if (s.Name == "vanishing") != s.Gone || s.Problem != "" {
			t.Errorf("%s: gone=%v problem=%q", s.Name, s.Gone, s.Problem)
		}
	}
}

func TestMotoSweepCallCounts(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	ctx := motoCtx(t)
	seed(t, secretsmanager.NewFromConfig(srv.Config(t, primary)), "bulk/", 250)
	client, counter := instrumented(t, srv, primary, fastBudget)
	o := &secret.Observer{Client: client, Region: primary}
	for _, tc := range []struct {
		needs secret.Needs
		want  map[string]int64
	}{
		{secret.Needs{Policy: true}, map[string]int64{"secretsmanager:ListSecrets": 3, "secretsmanager:GetResourcePolicy": 250}},
		{secret.Needs{}, map[string]int64{"secretsmanager:ListSecrets": 3}},
	} {
		counter.Reset()
		seen := map[string]bool{}
		st, err := o.Sweep(ctx, secret.SweepOptions{}, tc.needs, func(p secret.Page) error {
			for _, s := range p.Snapshots {
				if seen[s.ARN] || s.PolicyKnown != tc.needs.Policy || s.Problem != "" {
					t.Errorf("snapshot %s: seen=%v %+v", s.Name, seen[s.ARN], s)
				}
				seen[s.ARN] = true
			}
			return nil
		})
		if err != nil || st != (secret.Stats{Pages: 3, Secrets: 250}) || len(seen) != 250 {
			t.Fatalf("Policy=%v: %v %+v, %d distinct", tc.needs.Policy, err, st, len(seen))
		}
		wantCounts(t, counter, tc.want)
	}
}

func wantCounts(t *testing.T, c *awsenv.Counter, want map[string]int64) {
	t.Helper()
	if got := c.Counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("API calls %v, want %v", got, want)
	}
}
