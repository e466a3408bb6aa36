package remedies_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
)

// keyPolicy returns a key policy: the usual root statement, plus, with
// viaService, the statement that lets the account's principals use the key
// through Secrets Manager in region, as aws/secretsmanager's policy does.
func keyPolicy(region string, viaService bool) string {
	root := `{"Sid":"EnableIAM","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"}`
	if !viaService {
		return `{"Version":"2012-10-17","Statement":[` + root + `]}`
	}
	return `{"Version":"2012-10-17","Statement":[` + root + `,
	 {"Sid":"ViaSecretsManager","Effect":"Allow","Principal":{"AWS":"*"},
	  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
	  "Condition":{"StringEquals":{"kms:CallerAccount":"` + account + `","kms:ViaService":"secretsmanager.` + region + `.amazonaws.com"}}}]}`
}

// createKey creates a customer managed key with a policy and the alias
// alias/secretguard in a Region of moto, and returns its ARN.
func (e *env) createKey(keyRegion, policy string) string {
	e.t.Helper()
	c := kms.NewFromConfig(e.srv.Config(e.t, keyRegion))
	out, err := c.CreateKey(e.ctx, &kms.CreateKeyInput{Description: aws.String("secretguard test key")})
	if err != nil {
		e.t.Fatalf("CreateKey: %v", err)
	}
	id := out.KeyMetadata.KeyId
	if _, err := c.PutKeyPolicy(e.ctx, &kms.PutKeyPolicyInput{KeyId: id, PolicyName: aws.String("default"), Policy: aws.String(policy)}); err != nil {
		e.t.Fatalf("PutKeyPolicy: %v", err)
	}
	if _, err := c.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/secretguard"), TargetKeyId: id}); err != nil {
		e.t.Fatalf("CreateAlias: %v", err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

func TestUseCMKMoto(t *testing.T) {
	e := newEnv(t)
	key := e.createKey(region, keyPolicy(region, true))
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/cmk")})

	plan, after := e.remediate(arn, baseline.CheckCMK, remedies.Hints{})
	if after.KMSKeyID != key {
		t.Errorf("key %q, want %s (the alias resolved)", after.KMSKeyID, key)
	}
	if plan.Undo != nil {
		t.Errorf("use-cmk has no undo, got %+v", plan.Undo)
	}
	in := plan.Calls[0].Input.(*secretsmanager.UpdateSecretInput)
	if in.SecretString != nil || in.SecretBinary != nil || in.Description != nil {
		t.Errorf("UpdateSecret carries more than the key: %+v", in)
	}
}

// TestUseCMKAliasAllowedMoto: when the baseline allows the key only by its
// alias, the secret is moved to the alias ARN, which the cmk check (it does
// not resolve aliases) accepts.
func TestUseCMKAliasAllowedMoto(t *testing.T) {
	e := newEnv(t)
	e.createKey(region, keyPolicy(region, true))
	e.b.KMS.AllowedKeys = map[string][]string{"*": {"alias/secretguard"}}
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/alias")})

	_, after := e.remediate(arn, baseline.CheckCMK, remedies.Hints{})
	if want := "arn:aws:kms:us-east-1:" + account + ":alias/secretguard"; after.KMSKeyID != want {
		t.Errorf("key %q, want %s", after.KMSKeyID, want)
	}
}

func TestUseCMKKeyPolicyLacksViaServiceMoto(t *testing.T) {
	e := newEnv(t)
	key := e.createKey(region, keyPolicy(region, false))
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/cmk")})
	s := e.observe(arn)
	r, _ := remedies.ByID(baseline.RemedyUseCMK)
	plan, err := r.Plan(e.ctx, e.clients(), input(e.b, s, e.evaluate(baseline.CheckCMK, s)))
	needsHuman(t, err, "kms:ViaService = secretsmanager.us-east-1.amazonaws.com")
	if !strings.Contains(err.Error(), key) || !plan.Empty() {
		t.Errorf("error %q should name %s; plan %+v should be empty", err, key, plan.Calls)
	}
	if got := e.observe(arn).KMSKeyID; got != "" {
		t.Errorf("Plan changed the key to %q", got)
	}
	// A policy for another Region's Secrets Manager does not do either.
	e2 := newEnv(t)
	e2.createKey(region, keyPolicy("eu-west-1", true))
	arn = e2.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/cmk")})
	s = e2.observe(arn)
	_, err = r.Plan(e2.ctx, e2.clients(), input(e2.b, s, checks.Finding{}))
	needsHuman(t, err, "has no kms:ViaService condition for secretsmanager.us-east-1.amazonaws.com")
}

// TestUseCMKKeyChecks reads keys and policies from a fake KMS: which keys
// and key policies use-cmk accepts, and what it says about the others.
func TestUseCMKKeyChecks(t *testing.T) {
	const (
		keyUS = "arn:aws:kms:us-east-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
		keyCN = "arn:aws-cn:kms:cn-north-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
		via   = `"kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"`
		acct  = `"kms:CallerAccount":"` + account + `"`
	)
	stmt := func(principal, actions, cond string) string {
		s := `{"Effect":"Allow","Principal":` + principal + `,"Action":` + actions + `,"Resource":"*"`
		if cond != "" {
			s += `,"Condition":` + cond
		}
		return s + "}"
	}
	doc := func(stmts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	managedLike := doc(
		stmt(`{"AWS":"*"}`, `["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:CreateGrant","kms:DescribeKey"]`, `{"StringEquals":{`+acct+`,`+via+`}}`),
		stmt(`{"AWS":"*"}`, `"kms:GenerateDataKey*"`, `{"StringEquals":{`+acct+`},"StringLike":{"kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"}}`))
	tests := []struct {
		name    string
		arn     string // the secret
		policy  string
		mutate  func(*kmstypes.KeyMetadata)
		missing bool   // the alias names no key
		wantErr string // "" for a plan
	}{
		{name: "the managed key's own statements", policy: managedLike},
		{name: "account ID principal and kms:*", policy: doc(stmt(`{"AWS":"`+account+`"}`, `"kms:*"`, `{"StringEquals":{`+acct+`,`+via+`}}`))},
		{name: "only the root statement", policy: doc(stmt(`{"AWS":"arn:aws:iam::`+account+`:root"}`, `"kms:*"`, "")),
			wantErr: "no statement allows kms:Decrypt and kms:GenerateDataKey"},
		{name: "no CallerAccount", policy: doc(stmt(`"*"`, `"kms:*"`, `{"StringEquals":{`+via+`}}`)),
			wantErr: "has no kms:CallerAccount condition"},
		{name: "another account", policy: doc(stmt(`{"AWS":"arn:aws:iam::444455556666:root"}`, `"kms:*"`, `{"StringEquals":{`+acct+`,`+via+`}}`)),
			wantErr: "no statement allows"},
		{name: "other conditions", policy: doc(stmt(`"*"`, `"kms:*"`, `{"StringEquals":{`+acct+`,`+via+`,"kms:EncryptionContext:SecretARN":"x"}}`)),
			wantErr: "other conditions (StringEquals kms:EncryptionContext:SecretARN)"},
		{name: "decrypt only", policy: doc(stmt(`"*"`, `"kms:Decrypt"`, `{"StringEquals":{`+acct+`,`+via+`}}`)),
			wantErr: "no statement allows kms:GenerateDataKey to"},
		{name: "a deny on decrypt", policy: doc(stmt(`"*"`, `"kms:*"`, `{"StringEquals":{`+acct+`,`+via+`}}`),
			`{"Sid":"NoDecrypt","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}`),
			wantErr: `Deny statement "NoDecrypt" applies to kms:Decrypt`},
		{name: "aws-cn DNS suffix", arn: "arn:aws-cn:secretsmanager:cn-north-1:" + account + ":secret:app/x-AbCdEf",
			policy: doc(stmt(`"*"`, `"kms:*"`, `{"StringEquals":{`+acct+`,"kms:ViaService":"secretsmanager.cn-north-1.amazonaws.com.cn"}}`))},
		{name: "aws-cn with the commercial suffix", arn: "arn:aws-cn:secretsmanager:cn-north-1:" + account + ":secret:app/x-AbCdEf",
			policy:  doc(stmt(`"*"`, `"kms:*"`, `{"StringEquals":{`+acct+`,"kms:ViaService":"secretsmanager.cn-north-1.amazonaws.com"}}`)),
			wantErr: "secretsmanager.cn-north-1.amazonaws.com.cn"},
		{name: "disabled key", policy: managedLike, mutate: func(m *kmstypes.KeyMetadata) { m.KeyState = kmstypes.KeyStateDisabled },
			wantErr: "is Disabled, not Enabled"},
		{name: "AWS managed key", policy: managedLike, mutate: func(m *kmstypes.KeyMetadata) { m.KeyManager = kmstypes.KeyManagerTypeAws },
			wantErr: "is not a customer managed key"},
		{name: "asymmetric key", policy: managedLike, mutate: func(m *kmstypes.KeyMetadata) { m.KeySpec = kmstypes.KeySpecRsa2048 },
			wantErr: "supports only SYMMETRIC_DEFAULT"},
		{name: "key in another Region", policy: managedLike, mutate: func(m *kmstypes.KeyMetadata) {
			m.Arn = aws.String("arn:aws:kms:eu-west-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab")
		}, wantErr: "is in eu-west-1, not us-east-1"},
		{name: "no such key", policy: managedLike, missing: true, wantErr: "default key alias/secretguard for us-east-1 does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secretARN, keyARN := tt.arn, keyUS
			if secretARN == "" {
				secretARN = "arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/x-AbCdEf"
			} else {
				keyARN = keyCN
			}
			md := customerKey(keyARN)
			if tt.mutate != nil {
				tt.mutate(&md)
			}
			k := newFakeKMS(md)
			if !tt.missing {
				k.aliases["alias/secretguard"] = aws.ToString(md.Arn)
			}
			k.policy[aws.ToString(md.Arn)] = tt.policy
			f := newFake(secretARN)
			s, err := f.observe(ctxFor(t))
			if err != nil {
				t.Fatal(err)
			}
			b := testBaseline(t)
			r, _ := remedies.ByID(baseline.RemedyUseCMK)
			plan, err := r.Plan(ctxFor(t), remedies.Clients{Secrets: f, KMS: k}, input(b, s, checks.Finding{}))
			if tt.wantErr != "" {
				needsHuman(t, err, tt.wantErr)
				if !plan.Empty() {
					t.Errorf("plan %+v with a NeedsHuman key", plan.Calls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(plan.Calls[0].Input.(*secretsmanager.UpdateSecretInput).KmsKeyId); got != keyARN {
				t.Errorf("KmsKeyId %q, want %s", got, keyARN)
			}
			if len(f.calls) != 0 {
				t.Errorf("Plan wrote: %v", f.calls)
			}
		})
	}
}
