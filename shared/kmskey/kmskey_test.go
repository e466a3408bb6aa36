package kmskey

import (
	"reflect"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

const id = "1234abcd-12ab-34cd-56ef-1234567890ab"

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		key, allowed string
		want         bool
	}{
		{id, id, true},
		{"arn:aws:kms:us-east-1:111122223333:key/" + id, id, true},
		{id, "arn:aws-cn:kms:cn-north-1:111122223333:key/" + id, true},
		{"arn:aws:kms:us-east-1:111122223333:key/" + id, "arn:aws:kms:us-east-1:111122223333:key/" + id, true},
		{"arn:aws:kms:us-east-1:111122223333:alias/x", "alias/x", true},
		{"alias/x", "arn:aws:kms:us-east-1:111122223333:alias/x", true},
		{"arn:aws:kms:us-east-1:111122223333:alias/x", "arn:aws:kms:us-east-1:444455556666:alias/x", false},
		{"alias/x", "alias/y", false},
		{"alias/x", id, false},
		{"mrk-1234abcd", "arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd", true},
		{"", "alias/x", false},
	} {
		if got := Matches(tc.key, tc.allowed); got != tc.want {
			t.Errorf("Matches(%q, %q) = %v, want %v", tc.key, tc.allowed, got, tc.want)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct{ ref, id, alias string }{
		{id, id, ""},
		{"key/" + id, id, ""},
		{"arn:aws:kms:us-east-1:111122223333:key/" + id, id, ""},
		{"alias/team/secrets", "", "alias/team/secrets"},
		{"arn:aws:kms:us-east-1:111122223333:alias/x", "", "alias/x"},
		{"arn:aws:kms:us-east-1:111122223333:other/x", "", ""},
		{"notalias/x", "notalias/x", ""},
	} {
		if gotID, gotAlias := Split(tc.ref); gotID != tc.id || gotAlias != tc.alias {
			t.Errorf("Split(%q) = %q, %q; want %q, %q", tc.ref, gotID, gotAlias, tc.id, tc.alias)
		}
	}
}

func TestIsAWSManaged(t *testing.T) {
	for key, want := range map[string]bool{
		"": true, "alias/aws/secretsmanager": true, "arn:aws-cn:kms:cn-north-1:222233334444:alias/aws/secretsmanager": true,
		"alias/secretguard": false, id: false,
	} {
		if got := IsAWSManaged(key); got != want {
			t.Errorf("IsAWSManaged(%q) = %v", key, got)
		}
	}
}

func TestAllowedKeys(t *testing.T) {
	b := &baseline.Baseline{KMS: baseline.KMS{AllowedKeys: map[string][]string{
		"*":         {"arn:${Partition}:kms:${Region}:${AccountId}:alias/secretguard", "alias/a"},
		"eu-west-1": {id},
	}}}
	s := &secret.Snapshot{Partition: "aws-us-gov", AccountID: "333344445555"}
	want := []string{"arn:aws-us-gov:kms:us-gov-west-1:333344445555:alias/secretguard", "alias/a"}
	allowed := AllowedKeys(b, s, "us-gov-west-1")
	if !reflect.DeepEqual(allowed, want) {
		t.Errorf("AllowedKeys = %v, want %v", allowed, want)
	}
	if !Allowed("arn:aws-us-gov:kms:us-gov-west-1:333344445555:alias/a", allowed) || Allowed("alias/b", allowed) || Allowed("alias/a", nil) {
		t.Error("Allowed")
	}
	if got := AllowedKeys(b, s, "eu-west-1"); !reflect.DeepEqual(got, []string{id}) {
		t.Errorf("AllowedKeys(eu-west-1) = %v", got)
	}
	if got := AllowedKeys(&baseline.Baseline{}, s, "us-east-1"); got != nil {
		t.Errorf("no list: %v, want nil (any customer managed key)", got)
	}
}
