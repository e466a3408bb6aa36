package remedies_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/resourcepolicy"
	"github.com/secretguard/secretguard/shared/secret"
)

// fakeSM is one secret behaving as AWS documents, for the paths where moto
// differs: it keeps ScheduleExpression and Duration, refuses RotateSecret
// while AWSPENDING sits on another version than AWSCURRENT, leaves the
// stages alone when RotateImmediately is false (AWS's testSecret step
// removes the AWSPENDING it creates), and enforces BlockPublicPolicy. It
// serves both the Observer (DescribeSecret, GetResourcePolicy) and the
// remedies. Every call is recorded.
type fakeSM struct {
	mu     sync.Mutex
	s      secret.Snapshot
	policy string
	calls  []string
	// fail makes the named operation fail.
	fail map[string]error
}

func newFake(arn string) *fakeSM {
	f := &fakeSM{fail: map[string]error{}}
	if err := f.s.SetARN(arn); err != nil {
		panic(err)
	}
	f.s.Name = strings.TrimSuffix(strings.SplitN(arn, ":secret:", 2)[1], arn[len(arn)-7:])
	f.s.CreatedDate = now.AddDate(0, 0, -10)
	f.s.VersionStages = map[string][]string{"v1": {secret.StageCurrent}}
	return f
}

func apiError(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func (f *fakeSM) record(op string) error {
	f.calls = append(f.calls, op)
	return f.fail[op]
}

func (f *fakeSM) ListSecrets(context.Context, *secretsmanager.ListSecretsInput, ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	return nil, apiError("NotImplemented", "fake")
}

func (f *fakeSM) DescribeSecret(_ context.Context, _ *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.s
	out := &secretsmanager.DescribeSecretOutput{
		ARN: aws.String(s.ARN), Name: aws.String(s.Name), CreatedDate: aws.Time(s.CreatedDate),
		RotationEnabled: aws.Bool(s.RotationEnabled), VersionIdsToStages: map[string][]string{},
	}
	if s.KMSKeyID != "" {
		out.KmsKeyId = aws.String(s.KMSKeyID)
	}
	if s.OwningService != "" {
		out.OwningService = aws.String(s.OwningService)
	}
	if s.RotationLambdaARN != "" {
		out.RotationLambdaARN = aws.String(s.RotationLambdaARN)
	}
	if !s.RotationRules.IsZero() {
		r := &smtypes.RotationRulesType{}
		if s.RotationRules.AutomaticallyAfterDays > 0 {
			r.AutomaticallyAfterDays = aws.Int64(s.RotationRules.AutomaticallyAfterDays)
		}
		if s.RotationRules.ScheduleExpression != "" {
			r.ScheduleExpression = aws.String(s.RotationRules.ScheduleExpression)
		}
		if s.RotationRules.Duration != "" {
			r.Duration = aws.String(s.RotationRules.Duration)
		}
		out.RotationRules = r
	}
	for k, v := range s.Tags {
		out.Tags = append(out.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	for id, st := range s.VersionStages {
		out.VersionIdsToStages[id] = slices.Clone(st)
	}
	for _, r := range s.Replicas {
		out.ReplicationStatus = append(out.ReplicationStatus, smtypes.ReplicationStatusType{Region: aws.String(r.Region),
			KmsKeyId: aws.String(r.KMSKeyID), Status: smtypes.StatusType(r.Status)})
	}
	return out, nil
}

func (f *fakeSM) GetResourcePolicy(context.Context, *secretsmanager.GetResourcePolicyInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &secretsmanager.GetResourcePolicyOutput{ARN: aws.String(f.s.ARN)}
	if f.policy != "" {
		out.ResourcePolicy = aws.String(f.policy)
	}
	return out, nil
}

func (f *fakeSM) RotateSecret(_ context.Context, in *secretsmanager.RotateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("RotateSecret"); err != nil {
		return nil, err
	}
	cur := f.s.VersionsWith(secret.StageCurrent)
	for _, p := range f.s.VersionsWith(secret.StagePending) {
		if !slices.Contains(cur, p) {
			return nil, apiError("InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.")
		}
	}
	if r := in.RotationRules; r != nil {
		if r.AutomaticallyAfterDays != nil && r.ScheduleExpression != nil {
			return nil, apiError("InvalidParameterException", "You can't specify both AutomaticallyAfterDays and ScheduleExpression.")
		}
		rules := secret.RotationRules{Duration: aws.ToString(r.Duration), ScheduleExpression: aws.ToString(r.ScheduleExpression)}
		if r.AutomaticallyAfterDays != nil {
			rules.AutomaticallyAfterDays = *r.AutomaticallyAfterDays
		} else if n, ok := rateDays(rules.ScheduleExpression); ok {
			rules.AutomaticallyAfterDays = n // DescribeSecret derives it from the expression
		}
		f.s.RotationRules = rules
	}
	if in.RotationLambdaARN != nil {
		f.s.RotationLambdaARN = *in.RotationLambdaARN
	}
	f.s.RotationEnabled = true
	if in.RotateImmediately == nil || *in.RotateImmediately {
		f.s.LastRotatedDate = now
	}
	return &secretsmanager.RotateSecretOutput{ARN: aws.String(f.s.ARN)}, nil
}

func rateDays(expr string) (int64, bool) {
	inner, ok := strings.CutPrefix(expr, "rate(")
	if !ok {
		return 0, false
	}
	n, unit, _ := strings.Cut(strings.TrimSuffix(inner, ")"), " ")
	v, err := strconv.ParseInt(n, 10, 64)
	return v, err == nil && strings.HasPrefix(unit, "day")
}

func (f *fakeSM) UpdateSecret(_ context.Context, in *secretsmanager.UpdateSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("UpdateSecret"); err != nil {
		return nil, err
	}
	if in.SecretString != nil || in.SecretBinary != nil {
		panic("fake: a remedy sent a secret value")
	}
	if in.KmsKeyId != nil {
		f.s.KMSKeyID = *in.KmsKeyId
	}
	return &secretsmanager.UpdateSecretOutput{ARN: aws.String(f.s.ARN)}, nil
}

func (f *fakeSM) TagResource(_ context.Context, in *secretsmanager.TagResourceInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.TagResourceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("TagResource"); err != nil {
		return nil, err
	}
	if f.s.Tags == nil {
		f.s.Tags = map[string]string{}
	}
	for _, t := range in.Tags {
		f.s.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return &secretsmanager.TagResourceOutput{}, nil
}

func (f *fakeSM) UntagResource(_ context.Context, in *secretsmanager.UntagResourceInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UntagResourceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("UntagResource"); err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(f.s.Tags, k)
	}
	return &secretsmanager.UntagResourceOutput{}, nil
}

// PutResourcePolicy enforces BlockPublicPolicy as AWS does (moto does not):
// a policy that grants public access is refused. Public is judged with
// Classify, which treats an organisation condition as not public, like the
// Zelkova check AWS runs.
func (f *fakeSM) PutResourcePolicy(_ context.Context, in *secretsmanager.PutResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutResourcePolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("PutResourcePolicy"); err != nil {
		return nil, err
	}
	doc := aws.ToString(in.ResourcePolicy)
	p, err := resourcepolicy.Parse(doc)
	if err != nil {
		return nil, apiError("MalformedPolicyDocumentException", err.Error())
	}
	if aws.ToBool(in.BlockPublicPolicy) {
		for _, v := range resourcepolicy.Classify(p, resourcepolicy.Context{AccountID: f.s.AccountID}) {
			if v.Exposure == resourcepolicy.Public {
				return nil, apiError("PublicPolicyException", "The BlockPublicPolicy parameter is set to true, and the resource policy that you're attempting to attach grants public access.")
			}
		}
	}
	f.policy = doc
	return &secretsmanager.PutResourcePolicyOutput{ARN: aws.String(f.s.ARN)}, nil
}

func (f *fakeSM) DeleteResourcePolicy(context.Context, *secretsmanager.DeleteResourcePolicyInput, ...func(*secretsmanager.Options)) (*secretsmanager.DeleteResourcePolicyOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("DeleteResourcePolicy"); err != nil {
		return nil, err
	}
	f.policy = ""
	return &secretsmanager.DeleteResourcePolicyOutput{ARN: aws.String(f.s.ARN)}, nil
}

func (f *fakeSM) ReplicateSecretToRegions(_ context.Context, in *secretsmanager.ReplicateSecretToRegionsInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.ReplicateSecretToRegionsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("ReplicateSecretToRegions"); err != nil {
		return nil, err
	}
	for _, r := range in.AddReplicaRegions {
		f.s.Replicas = append(f.s.Replicas, secret.Replica{Region: aws.ToString(r.Region), KMSKeyID: aws.ToString(r.KmsKeyId), Status: "InSync"})
	}
	return &secretsmanager.ReplicateSecretToRegionsOutput{ARN: aws.String(f.s.ARN)}, nil
}

// observe reads the fake secret through the real Observer.
func (f *fakeSM) observe(ctx context.Context) (*secret.Snapshot, error) {
	o := secret.Observer{Client: f, Now: func() time.Time { return now }}
	return o.Secret(ctx, f.s.ARN, secret.Needs{Policy: true})
}

// remediate plans r for in on the fake's secret and applies the plan's
// calls, as the engine does; it returns the plan and the secret after.
func (f *fakeSM) remediate(t testing.TB, ctx context.Context, c remedies.Clients, r remedies.Remedy, in remedies.Input) (remedies.Plan, *secret.Snapshot) {
	t.Helper()
	plan, err := r.Plan(ctx, c, in)
	if err != nil {
		t.Fatalf("%s.Plan: %v", r.ID(), err)
	}
	if _, err := remedies.Apply(ctx, c, plan.Calls); err != nil {
		t.Fatalf("Apply %s (AWS would refuse it): %v", r.ID(), err)
	}
	after, err := f.observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return plan, after
}

// fakeKMS serves DescribeKey and GetKeyPolicy for a set of keys.
type fakeKMS struct {
	keys    map[string]kmstypes.KeyMetadata // by ARN
	aliases map[string]string               // alias name -> key ARN
	policy  map[string]string               // key ARN -> policy
}

func (k *fakeKMS) resolve(id string) (kmstypes.KeyMetadata, bool) {
	if a, ok := k.aliases[id]; ok {
		id = a
	}
	md, ok := k.keys[id]
	return md, ok
}

func (k *fakeKMS) DescribeKey(_ context.Context, in *kms.DescribeKeyInput, _ ...func(*kms.Options)) (*kms.DescribeKeyOutput, error) {
	md, ok := k.resolve(aws.ToString(in.KeyId))
	if !ok {
		return nil, apiError("NotFoundException", fmt.Sprintf("Key '%s' does not exist", aws.ToString(in.KeyId)))
	}
	return &kms.DescribeKeyOutput{KeyMetadata: &md}, nil
}

func (k *fakeKMS) GetKeyPolicy(_ context.Context, in *kms.GetKeyPolicyInput, _ ...func(*kms.Options)) (*kms.GetKeyPolicyOutput, error) {
	md, ok := k.resolve(aws.ToString(in.KeyId))
	if !ok {
		return nil, apiError("NotFoundException", "no key")
	}
	return &kms.GetKeyPolicyOutput{Policy: aws.String(k.policy[aws.ToString(md.Arn)]), PolicyName: aws.String("default")}, nil
}

// customerKey is the metadata of an enabled symmetric customer managed key.
func customerKey(arn string) kmstypes.KeyMetadata {
	return kmstypes.KeyMetadata{Arn: aws.String(arn), KeyId: aws.String(arn[strings.LastIndex(arn, "/")+1:]), Enabled: true,
		KeyManager: kmstypes.KeyManagerTypeCustomer, KeyState: kmstypes.KeyStateEnabled,
		KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt, KeySpec: kmstypes.KeySpecSymmetricDefault}
}

func newFakeKMS(keys ...kmstypes.KeyMetadata) *fakeKMS {
	k := &fakeKMS{keys: map[string]kmstypes.KeyMetadata{}, aliases: map[string]string{}, policy: map[string]string{}}
	for _, md := range keys {
		k.keys[aws.ToString(md.Arn)] = md
	}
	return k
}
