package secret_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

const fakeAccount = "111122223333"

var created = time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))

// fakeSM is an in-memory, paginating SecretsAPI with injectable errors.
type fakeSM struct {
	mu       sync.Mutex
	secrets  []types.SecretListEntry
	policies map[string]string                        // by name
	replicas map[string][]types.ReplicationStatusType // by name
	// errs[op][name] is returned by op for that secret.
	errs map[string]map[string]error
	// listErrs[token] is returned by ListSecrets for that token.
	listErrs map[string]error
	// block, when set, makes GetResourcePolicy wait for it or the context.
	block chan struct{}

	calls       map[string]int
	described   []string
	lastList    *secretsmanager.ListSecretsInput
	inflight    atomic.Int32
	maxInflight atomic.Int32
}

func arnOf(name string) string {
	return "arn:aws:secretsmanager:eu-west-1:" + fakeAccount + ":secret:" + name + "-AbCdEf"
}

func newFake(n int) *fakeSM {
	f := &fakeSM{policies: map[string]string{}, replicas: map[string][]types.ReplicationStatusType{},
		errs: map[string]map[string]error{}, listErrs: map[string]error{}, calls: map[string]int{}}
	for i := range n {
		f.add(fmt.Sprintf("app/s%04d", i))
	}
	return f
}

func (f *fakeSM) add(name string) *types.SecretListEntry {
	f.secrets = append(f.secrets, types.SecretListEntry{
		ARN: aws.String(arnOf(name)), Name: aws.String(name), CreatedDate: aws.Time(created),
		Tags:                   []types.Tag{{Key: aws.String("team"), Value: aws.String("x")}},
		SecretVersionsToStages: map[string][]string{"v1": {"AWSCURRENT"}},
	})
	return &f.secrets[len(f.secrets)-1]
}

func (f *fakeSM) setErr(op, name string, err error) {
	if f.errs[op] == nil {
		f.errs[op] = map[string]error{}
	}
	f.errs[op][name] = err
}

func (f *fakeSM) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeSM) enter(op string) func() {
	f.mu.Lock()
	f.calls[op]++
	f.mu.Unlock()
	n := f.inflight.Add(1)
	for {
		m := f.maxInflight.Load()
		if n <= m || f.maxInflight.CompareAndSwap(m, n) {
			break
		}
	}
	return func() { f.inflight.Add(-1) }
}

func (f *fakeSM) find(id string) (types.SecretListEntry, bool) {
	for _, e := range f.secrets {
		if *e.Name == id || *e.ARN == id {
			return e, true
		}
	}
	return types.SecretListEntry{}, false
}

func (f *fakeSM) injected(op, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.errs[op][name]
}

func (f *fakeSM) ListSecrets(ctx context.Context, in *secretsmanager.ListSecretsInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	defer f.enter("ListSecrets")()
	f.mu.Lock()
	f.lastList = in
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tok := aws.ToString(in.NextToken)
	if err := f.listErrs[tok]; err != nil {
		return nil, err
	}
	start := 0
	if tok != "" {
		n, err := strconv.Atoi(tok[len("tok-"):])
		if err != nil {
			return nil, &types.InvalidNextTokenException{Message: aws.String("bad token")}
		}
		start = n
	}
	size := int(aws.ToInt32(in.MaxResults))
	if size == 0 || size > 100 {
		return nil, &types.InvalidParameterException{Message: aws.String("MaxResults")}
	}
	out := &secretsmanager.ListSecretsOutput{}
	for i := start; i < len(f.secrets) && len(out.SecretList) < size; i++ {
		if f.secrets[i].DeletedDate != nil && !aws.ToBool(in.IncludePlannedDeletion) {
			continue
		}
		out.SecretList = append(out.SecretList, f.secrets[i])
		if len(out.SecretList) == size && i+1 < len(f.secrets) {
			out.NextToken = aws.String("tok-" + strconv.Itoa(i+1))
		}
	}
	return out, nil
}

func (f *fakeSM) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	defer f.enter("DescribeSecret")()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := aws.ToString(in.SecretId)
	f.mu.Lock()
	f.described = append(f.described, id)
	f.mu.Unlock()
	e, ok := f.find(id)
	if !ok {
		return nil, notFound()
	}
	if err := f.injected("DescribeSecret", *e.Name); err != nil {
		return nil, err
	}
	return &secretsmanager.DescribeSecretOutput{
		ARN: e.ARN, Name: e.Name, CreatedDate: e.CreatedDate, DeletedDate: e.DeletedDate,
		KmsKeyId: e.KmsKeyId, Tags: e.Tags, VersionIdsToStages: e.SecretVersionsToStages,
		RotationEnabled: e.RotationEnabled, RotationRules: e.RotationRules, PrimaryRegion: e.PrimaryRegion,
		ReplicationStatus: f.replicas[*e.Name],
	}, nil
}

func (f *fakeSM) GetResourcePolicy(ctx context.Context, in *secretsmanager.GetResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error) {
	defer f.enter("GetResourcePolicy")()
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e, ok := f.find(aws.ToString(in.SecretId))
	if !ok {
		return nil, notFound()
	}
	if err := f.injected("GetResourcePolicy", *e.Name); err != nil {
		return nil, err
	}
	out := &secretsmanager.GetResourcePolicyOutput{ARN: e.ARN, Name: e.Name}
	if p, ok := f.policies[*e.Name]; ok {
		out.ResourcePolicy = aws.String(p)
	}
	return out, nil
}

func notFound() error {
	return &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
}

func accessDenied() error {
	return &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::111122223333:assumed-role/x is not authorized to perform: secretsmanager:GetResourcePolicy"}
}

func throttled() error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
}
