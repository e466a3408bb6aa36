package checks

import (
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

func key(k string) func(*secret.Snapshot) { return func(s *secret.Snapshot) { s.KMSKeyID = k } }

var cmkCases = []checkCase{
	{name: "a customer managed key in a Region without a list is compliant", s: at(arnAWS),
		want: Compliant, has: []string{keyUS}},
	{name: "no key means the AWS managed key; use-cmk names the default key", s: at(arnAWS, key("")),
		want: NonCompliant, remedy: baseline.RemedyUseCMK, has: []string{"aws/secretsmanager", "arn:aws:kms:us-east-1:111122223333:alias/secretguard"}},
	{name: "the AWS managed key by alias is non-compliant", s: at(arnGov, key("alias/aws/secretsmanager")),
		want: NonCompliant, remedy: baseline.RemedyUseCMK, has: []string{"arn:aws-us-gov:kms:us-gov-west-1:333344445555:alias/secretguard"}},
	{name: "the AWS managed key by alias ARN is non-compliant", s: at(arnCN, key("arn:aws-cn:kms:cn-north-1:222233334444:alias/aws/secretsmanager")),
		want: NonCompliant, remedy: baseline.RemedyUseCMK, has: []string{"arn:aws-cn:kms:cn-north-1"}},
	{name: "without a default key the annotation says so", s: at(arnAWS, key("")),
		b:    func(b *baseline.Baseline) { b.KMS.DefaultKeys = nil },
		want: NonCompliant, remedy: baseline.RemedyUseCMK, has: []string{"names no default key for us-east-1"}},
	{name: "an allowed alias is compliant", s: at(arnEU, key("alias/secrets-eu")), want: Compliant},
	{name: "an alias ARN matches the allowed bare alias", s: at(arnEU, key("arn:aws:kms:eu-west-1:111122223333:alias/secrets-eu")), want: Compliant},
	{name: "a key ARN matches the allowed bare key ID", s: at(arnEU, key("arn:aws:kms:eu-west-1:111122223333:key/"+keyEUID)), want: Compliant},
	{name: "another customer key is listed but never moved", s: at(arnEU, key("arn:aws:kms:eu-west-1:111122223333:key/ffffffff-0000-0000-0000-000000000000")),
		want: NonCompliant, has: []string{"not allowed in eu-west-1", "alias/secrets-eu", keyEUID}},
	{name: "an alias of an allowed key under another name is not recognised", s: at(arnEU, key("alias/other")),
		want: NonCompliant},
	{name: "the * list applies to Regions without their own", s: at(arnAWS),
		b: func(b *baseline.Baseline) {
			b.KMS.AllowedKeys["*"] = []string{"arn:${Partition}:kms:${Region}:${AccountId}:alias/secretguard", "alias/a", "alias/b"}
		},
		want: NonCompliant, has: []string{"arn:aws:kms:us-east-1:111122223333:alias/secretguard, alias/a (+1 more)"}},
	{name: "a replica on the AWS managed key must be re-replicated", s: at(arnEU, key(""), edit(func(s *secret.Snapshot) { s.PrimaryRegion = "us-east-1" })),
		want: NonCompliant, has: []string{"Replica", "us-east-1", "re-replicate", "eu-west-1:111122223333:alias/secretguard"}},
}

func TestCMK(t *testing.T) { runCases(t, cmk{}, cmkCases) }
