package secret_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/secret"
)

func TestIAMActions(t *testing.T) {
	want := []string{"secretsmanager:ListSecrets", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"}
	if !reflect.DeepEqual(secret.IAMActions, want) {
		t.Fatalf("IAMActions = %v", secret.IAMActions)
	}
}

func TestSecretByNameAndARN(t *testing.T) {
	f := newFake(0)
	name := "team/db+admin=x.y@z-1"
	f.add(name)
	f.policies[name] = `{"Statement":[]}`
	f.replicas[name] = []types.ReplicationStatusType{{Region: aws.String("us-west-2"), KmsKeyId: aws.String("alias/r"), Status: types.StatusTypeFailed, StatusMessage: aws.String("no key")}}
	o := observer(f)
	for _, id := range []string{name, arnOf(name)} {
		s, err := o.Secret(context.Background(), id, secret.Needs{Policy: true})
		if err != nil {
			t.Fatalf("Secret(%s): %v", id, err)
		}
		if s.Name != name || s.ARN != arnOf(name) || s.Region != "eu-west-1" || s.Partition != "aws" || s.AccountID != fakeAccount {
			t.Fatalf("identity %+v", s)
		}
		if !s.PolicyKnown || s.ResourcePolicy != `{"Statement":[]}` || !s.ReplicasKnown || s.ObservedAt != fixedNow {
			t.Fatalf("snapshot %+v", s)
		}
		if want := []secret.Replica{{Region: "us-west-2", KMSKeyID: "alias/r", Status: "Failed", StatusMessage: "no key"}}; !reflect.DeepEqual(s.Replicas, want) {
			t.Fatalf("replicas %+v", s.Replicas)
		}
	}
	if c := f.count("DescribeSecret"); c != 2 {
		t.Fatalf("DescribeSecret calls %d", c)
	}
	if f.described[1] != arnOf(name) {
		t.Fatalf("described %v", f.described)
	}
	// Without Policy: one call only.
	s, err := o.Secret(context.Background(), name, secret.Needs{})
	if err != nil || s.PolicyKnown || f.count("GetResourcePolicy") != 2 {
		t.Fatalf("no-policy Secret: %v %+v", err, s)
	}
}

func TestSecretNotFound(t *testing.T) {
	f := newFake(1)
	_, err := observer(f).Secret(context.Background(), "nope", secret.Needs{Policy: true})
	var nf *types.ResourceNotFoundException
	if !errors.Is(err, secret.ErrNotFound) || !errors.As(err, &nf) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
	// Deleted between DescribeSecret and GetResourcePolicy.
	f.setErr("GetResourcePolicy", "app/s0000", notFound())
	if _, err := observer(f).Secret(context.Background(), "app/s0000", secret.Needs{Policy: true}); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretPolicyErrors(t *testing.T) {
	f := newFake(2)
	f.setErr("GetResourcePolicy", "app/s0000", accessDenied())
	f.setErr("GetResourcePolicy", "app/s0001", throttled())
	o := observer(f)
	s, err := o.Secret(context.Background(), "app/s0000", secret.Needs{Policy: true})
	if err != nil || s.PolicyKnown || s.Problem != "GetResourcePolicy: missing permission secretsmanager:GetResourcePolicy (AccessDeniedException)" {
		t.Fatalf("access denied: %v %+v", err, s)
	}
	if _, err := o.Secret(context.Background(), "app/s0001", secret.Needs{Policy: true}); err == nil || errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("throttled: %v", err)
	}
}

func TestSecretRejectsBadIDsBeforeAnyCall(t *testing.T) {
	f := newFake(1)
	for _, id := range []string{
		"",
		"arn:aws:secretsmanager:eu-west-1:" + fakeAccount,
		"arn:aws:s3:eu-west-1:" + fakeAccount + ":secret:x",
		"arn:aws:secretsmanager::" + fakeAccount + ":secret:x",
		"arn:aws:secretsmanager:eu-west-1:123:secret:x",
		"arn:aws:secretsmanager:eu-west-1:" + fakeAccount + ":key:x",
		"a:b",
	} {
		if _, err := observer(f).Secret(context.Background(), id, secret.Needs{Policy: true}); err == nil || errors.Is(err, secret.ErrNotFound) {
			t.Errorf("Secret(%q): err = %v", id, err)
		}
	}
	if c := f.count("DescribeSecret") + f.count("GetResourcePolicy"); c != 0 {
		t.Fatalf("%d calls for bad IDs", c)
	}
}

func TestSecretCancelled(t *testing.T) {
	f := newFake(1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := observer(f).Secret(ctx, "app/s0000", secret.Needs{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestFromDescribeAndListEntryAgree(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	at := func(d int) *time.Time { v := time.Date(2024, 1, d, 10, 0, 0, 0, cet); return &v }
	a := "arn:aws-cn:secretsmanager:cn-north-1:" + fakeAccount + ":secret:db/x-AbCdEf"
	tags := []types.Tag{{Key: aws.String("owner"), Value: aws.String("me")}, {Key: aws.String("empty")}}
	vs := map[string][]string{"v1": {"AWSCURRENT"}, "v0": {"AWSPREVIOUS"}}
	rules := &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30), ScheduleExpression: aws.String("rate(30 days)"), Duration: aws.String("2h")}
	e := types.SecretListEntry{
		ARN: aws.String(a), Name: aws.String("db/x"), KmsKeyId: aws.String("alias/k"), OwningService: aws.String("rds"),
		PrimaryRegion: aws.String("cn-northwest-1"), Type: aws.String("ext"), RotationEnabled: aws.Bool(true),
		RotationLambdaARN: aws.String("arn:aws-cn:lambda:cn-north-1:" + fakeAccount + ":function:rot"), RotationRules: rules,
		CreatedDate: at(1), LastChangedDate: at(2), LastAccessedDate: at(3), LastRotatedDate: at(4), NextRotationDate: at(5), DeletedDate: at(6),
		Tags: tags, SecretVersionsToStages: vs,
	}
	d := &secretsmanager.DescribeSecretOutput{
		ARN: e.ARN, Name: e.Name, KmsKeyId: e.KmsKeyId, OwningService: e.OwningService, PrimaryRegion: e.PrimaryRegion, Type: e.Type,
		RotationEnabled: e.RotationEnabled, RotationLambdaARN: e.RotationLambdaARN, RotationRules: rules,
		CreatedDate: e.CreatedDate, LastChangedDate: e.LastChangedDate, LastAccessedDate: e.LastAccessedDate, LastRotatedDate: e.LastRotatedDate,
		NextRotationDate: e.NextRotationDate, DeletedDate: e.DeletedDate, Tags: tags, VersionIdsToStages: vs,
	}
	observed := time.Date(2025, 1, 1, 0, 0, 0, 0, cet)
	ls, err := secret.FromListEntry(e, observed)
	if err != nil {
		t.Fatal(err)
	}
	want := &secret.Snapshot{
		ARN: a, Name: "db/x", Partition: "aws-cn", Region: "cn-north-1", AccountID: fakeAccount,
		KMSKeyID: "alias/k", OwningService: "rds", PrimaryRegion: "cn-northwest-1", Type: "ext",
		RotationEnabled: true, RotationLambdaARN: *e.RotationLambdaARN,
		RotationRules: secret.RotationRules{AutomaticallyAfterDays: 30, ScheduleExpression: "rate(30 days)", Duration: "2h"},
		CreatedDate:   at(1).UTC(), LastChangedDate: at(2).UTC(), LastAccessedDate: at(3).UTC(), LastRotatedDate: at(4).UTC(),
		NextRotationDate: at(5).UTC(), DeletedDate: at(6).UTC(),
		Tags:          map[string]string{"owner": "me", "empty": ""},
		VersionStages: map[string][]string{"v1": {"AWSCURRENT"}, "v0": {"AWSPREVIOUS"}},
		ObservedAt:    observed.UTC(),
	}
	if !reflect.DeepEqual(ls, want) {
		t.Fatalf("FromListEntry:\n got %+v\nwant %+v", ls, want)
	}
	if ls.CreatedDate.Location() != time.UTC {
		t.Fatal("dates not UTC")
	}
	vs["v1"][0] = "mutated"
	if ls.VersionStages["v1"][0] != "AWSCURRENT" {
		t.Fatal("snapshot shares the SDK's version map")
	}
	vs["v1"][0] = "AWSCURRENT"
	ds, err := secret.FromDescribe(d, observed)
	if err != nil {
		t.Fatal(err)
	}
	want.ReplicasKnown = true
	if !reflect.DeepEqual(ds, want) {
		t.Fatalf("FromDescribe:\n got %+v\nwant %+v", ds, want)
	}

	if _, err := secret.FromListEntry(types.SecretListEntry{Name: aws.String("x")}, observed); err == nil {
		t.Fatal("FromListEntry without ARN: no error")
	}
	if _, err := secret.FromDescribe(&secretsmanager.DescribeSecretOutput{ARN: aws.String("arn:aws:iam::" + fakeAccount + ":role/x")}, observed); err == nil {
		t.Fatal("FromDescribe with a non-secret ARN: no error")
	}
	if _, err := secret.FromDescribe(nil, observed); err == nil {
		t.Fatal("FromDescribe(nil): no error")
	}
}
