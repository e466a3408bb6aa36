package scan_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// fakeSM is a Secrets Manager with one page per entry of pages. Policies
// maps an ARN to its policy; denied ARNs fail GetResourcePolicy with
// AccessDeniedException; gone ARNs fail DescribeSecret with
// ResourceNotFoundException. It counts calls per operation.
type fakeSM struct {
	pages    [][]smtypes.SecretListEntry
	policies map[string]string
	denied   map[string]bool
	gone     map[string]bool

	mu    sync.Mutex
	calls map[string]int
}

func (f *fakeSM) count(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[op]++
}

func (f *fakeSM) ListSecrets(_ context.Context, in *secretsmanager.ListSecretsInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.ListSecretsOutput, error) {
	f.count("ListSecrets")
	i := 0
	if in.NextToken != nil {
		i = int((*in.NextToken)[0] - '0')
	}
	out := &secretsmanager.ListSecretsOutput{SecretList: f.pages[i]}
	if i+1 < len(f.pages) {
		out.NextToken = aws.String(string(rune('0' + i + 1)))
	}
	return out, nil
}

func (f *fakeSM) entry(id string) (smtypes.SecretListEntry, bool) {
	for _, p := range f.pages {
		for _, e := range p {
			if aws.ToString(e.ARN) == id || aws.ToString(e.Name) == id {
				return e, true
			}
		}
	}
	return smtypes.SecretListEntry{}, false
}

func (f *fakeSM) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.count("DescribeSecret")
	e, ok := f.entry(aws.ToString(in.SecretId))
	if !ok || f.gone[aws.ToString(e.ARN)] {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	}
	return &secretsmanager.DescribeSecretOutput{
		ARN: e.ARN, Name: e.Name, KmsKeyId: e.KmsKeyId, RotationEnabled: e.RotationEnabled,
		RotationLambdaARN: e.RotationLambdaARN, RotationRules: e.RotationRules, Tags: e.Tags,
		CreatedDate: e.CreatedDate, LastRotatedDate: e.LastRotatedDate, LastAccessedDate: e.LastAccessedDate,
		NextRotationDate: e.NextRotationDate, VersionIdsToStages: e.SecretVersionsToStages,
		ReplicationStatus: []smtypes.ReplicationStatusType{{Region: aws.String("eu-west-1"), Status: smtypes.StatusTypeInSync,
			KmsKeyId: aws.String("arn:aws:kms:eu-west-1:111122223333:key/0d8f1e2a-3b4c-4d5e-8f90-a1b2c3d4e5f6")}},
	}, nil
}

func (f *fakeSM) GetResourcePolicy(_ context.Context, in *secretsmanager.GetResourcePolicyInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error) {
	f.count("GetResourcePolicy")
	id := aws.ToString(in.SecretId)
	if f.denied[id] {
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException",
			Message: "User: arn:aws:sts::111122223333:assumed-role/scan/x is not authorized to perform: secretsmanager:GetResourcePolicy on resource: " + id}
	}
	out := &secretsmanager.GetResourcePolicyOutput{ARN: in.SecretId}
	if p, ok := f.policies[id]; ok {
		out.ResourcePolicy = aws.String(p)
	}
	return out, nil
}

// listEntry is the ListSecrets form of snap(t, a): compliant at now.
func listEntry(t *testing.T, a string, edits ...func(*smtypes.SecretListEntry)) smtypes.SecretListEntry {
	t.Helper()
	s := snap(t, a)
	e := smtypes.SecretListEntry{
		ARN: aws.String(s.ARN), Name: aws.String(s.Name), KmsKeyId: aws.String(s.KMSKeyID),
		RotationEnabled: aws.Bool(true), RotationLambdaARN: aws.String(s.RotationLambdaARN),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
		CreatedDate:   aws.Time(s.CreatedDate), LastRotatedDate: aws.Time(s.LastRotatedDate),
		LastAccessedDate: aws.Time(s.LastAccessedDate), NextRotationDate: aws.Time(s.NextRotationDate),
		Tags:                   []smtypes.Tag{{Key: aws.String("owner"), Value: aws.String("team-a")}},
		SecretVersionsToStages: map[string][]string{"v-1": {secret.StageCurrent}},
	}
	for _, ed := range edits {
		ed(&e)
	}
	return e
}

const publicPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

func TestSweep(t *testing.T) {
	const (
		arnPublic = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/public@x-Ab12Cd"
		arnDenied = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/denied=1-Ef34Gh"
		arnGone   = "arn:aws:secretsmanager:us-east-1:111122223333:secret:dr/gone.soon-Ij56Kl"
	)
	fake := &fakeSM{
		pages: [][]smtypes.SecretListEntry{
			{listEntry(t, arnAWS), listEntry(t, arnPublic), listEntry(t, arnDR)},
			{listEntry(t, arnDenied), listEntry(t, arnGone, func(e *smtypes.SecretListEntry) { e.KmsKeyId = nil })},
		},
		policies: map[string]string{arnPublic: publicPolicy},
		denied:   map[string]bool{arnDenied: true},
		gone:     map[string]bool{arnGone: true},
	}
	sc := &scan.Scanner{
		Observer: &secret.Observer{Client: fake, Region: "us-east-1", Concurrency: 2},
		Baseline: testBaseline(t), Checks: checks.All(), Now: func() time.Time { return now },
	}
	var sum scan.Summary
	got := map[string]map[string]scan.Result{}
	pages := 0
	st, err := sc.Sweep(context.Background(), secret.SweepOptions{}, func(p scan.Page) error {
		pages++
		if len(p.Results) != len(p.Snapshots)*len(checks.IDs()) {
			t.Errorf("page %d: %d results for %d secrets", pages, len(p.Results), len(p.Snapshots))
		}
		sum.Secrets += len(p.Snapshots)
		sum.Add(p.Results)
		for _, r := range p.Results {
			if got[r.SecretARN] == nil {
				got[r.SecretARN] = map[string]scan.Result{}
			}
			got[r.SecretARN][r.Check] = r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 2 || st.Pages != 2 || st.Secrets != 5 || sum.Secrets != 5 || st.Gone != 1 || st.Problems != 1 {
		t.Fatalf("pages %d, stats %+v, summary %+v", pages, st, sum)
	}
	// One GetResourcePolicy per secret; DescribeSecret only for the two dr/ secrets.
	if fake.calls["GetResourcePolicy"] != 4 || fake.calls["DescribeSecret"] != 2 || fake.calls["ListSecrets"] != 2 {
		t.Errorf("calls %v, want 2 ListSecrets, 2 DescribeSecret, 4 GetResourcePolicy (none for the gone secret)", fake.calls)
	}
	for _, tt := range []struct {
		arn, check string
		want       checks.Compliance
		incomplete bool
		has        string
	}{
		{arnAWS, baseline.CheckNoPublicPolicy, checks.Compliant, false, "No resource policy"},
		{arnPublic, baseline.CheckNoPublicPolicy, checks.NonCompliant, false, `"Everyone"`},
		{arnDR, baseline.CheckReplication, checks.Compliant, false, "Replicated to eu-west-1"},
		{arnDenied, baseline.CheckNoPublicPolicy, checks.NotApplicable, true, "missing permission secretsmanager:GetResourcePolicy"},
		{arnDenied, baseline.CheckCMK, checks.Compliant, false, ""},
		{arnGone, baseline.CheckCMK, checks.NotApplicable, false, "deleted"},
		{arnGone, baseline.CheckReplication, checks.NotApplicable, false, "deleted"},
	} {
		r := got[tt.arn][tt.check]
		if r.Compliance != tt.want || r.Incomplete != tt.incomplete || !strings.Contains(r.Annotation, tt.has) {
			t.Errorf("%s %s: %s incomplete=%v %q; want %s incomplete=%v containing %q",
				tt.arn, tt.check, r.Compliance, r.Incomplete, r.Annotation, tt.want, tt.incomplete, tt.has)
		}
	}
	if sum.NonCompliant != 1 || sum.Incomplete != 1 || sum.ByCheck[baseline.CheckNoPublicPolicy] != 1 {
		t.Errorf("summary %+v", sum)
	}
}

func TestSweepCallbackError(t *testing.T) {
	fake := &fakeSM{pages: [][]smtypes.SecretListEntry{{listEntry(t, arnAWS)}, {listEntry(t, arnCN)}}}
	sc := &scan.Scanner{Observer: &secret.Observer{Client: fake, Region: "us-east-1"}, Baseline: testBaseline(t), Checks: checks.All()}
	stop := errors.New("stop")
	n := 0
	_, err := sc.Sweep(context.Background(), secret.SweepOptions{}, func(scan.Page) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d pages, want stop after 1", err, n)
	}
}

func TestScannerSecret(t *testing.T) {
	fake := &fakeSM{
		pages:    [][]smtypes.SecretListEntry{{listEntry(t, arnGov)}},
		policies: map[string]string{arnGov: publicPolicy},
	}
	cs, _ := checks.Select([]string{baseline.CheckNoPublicPolicy, baseline.CheckCMK})
	sc := &scan.Scanner{Observer: &secret.Observer{Client: fake, Region: "us-gov-west-1"}, Baseline: testBaseline(t), Checks: cs, Now: func() time.Time { return now }}
	for _, id := range []string{arnGov, "app/partner=x+y"} {
		sn, rs, err := sc.Secret(context.Background(), id)
		if err != nil {
			t.Fatalf("Secret(%s): %v", id, err)
		}
		if sn.Partition != "aws-us-gov" || len(rs) != 2 || rs[0].Compliance != checks.NonCompliant || rs[1].Compliance != checks.Compliant {
			t.Fatalf("Secret(%s): %+v %+v", id, sn, rs)
		}
		if rs[0].Region != "us-gov-west-1" || rs[0].AccountID != "333344445555" {
			t.Errorf("Secret(%s): region %q account %q", id, rs[0].Region, rs[0].AccountID)
		}
	}
	_, _, err := sc.Secret(context.Background(), "app/missing")
	if !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("missing secret: %v, want ErrNotFound", err)
	}
}
