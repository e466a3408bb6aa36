package scan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/credscan"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/workload"
)

func TestEvaluateResource(t *testing.T) {
	b := baseline.Default()
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	fn := &workload.Resource{Type: workload.TypeFunction, ID: "orders-api", ARN: "arn:aws:lambda:us-east-1:111122223333:function:orders-api",
		Name: "orders-api", AccountID: "111122223333", Region: "us-east-1", Partition: "aws",
		Function: &workload.Function{Env: []credscan.Var{{Name: "DB_PASSWORD", Value: "Tr0ub4dor&3"}}}}
	rs := scan.EvaluateResource(fn, checks.AllResource(), b, at)
	if len(rs) != 1 {
		t.Fatalf("%d results, want the one check on functions", len(rs))
	}
	r := rs[0]
	if r.ResourceType != workload.TypeFunction || r.ResourceID != "orders-api" || r.Subject() != fn.ARN || r.SubjectName() != "orders-api" ||
		r.SecretARN != "" || r.Compliance != checks.NonCompliant || r.Mode != baseline.ModeTicket || r.Fix == "" || r.Incomplete ||
		!r.EvaluatedAt.Equal(at) || strings.Contains(r.Annotation+r.Fix, "Tr0ub") {
		t.Errorf("result %+v", r)
	}

	acct := &workload.Resource{Type: workload.TypeAccount, ID: "111122223333", AccountID: "111122223333", Region: "us-east-1",
		Account: &workload.Account{}, Problem: "usage: missing permission cloudwatch:GetMetricData (AccessDenied)"}
	got := map[string]scan.Result{}
	for _, r := range scan.EvaluateResource(acct, checks.AllResource(), b, at) {
		got[r.Check] = r
	}
	if len(got) != 4 || !got[baseline.CheckCaching].Incomplete || got[baseline.CheckCaching].Fix != "" || got[baseline.CheckCaching].SubjectName() != "account 111122223333" {
		t.Errorf("account results %+v", got)
	}
	var sum scan.Summary
	sum.Add(rs)
	if sum.NonCompliant != 1 || sum.ByCheck[baseline.CheckNoPlaintextLambdaEnv] != 1 {
		t.Errorf("summary %+v", sum)
	}
}
