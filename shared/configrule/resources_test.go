package configrule

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/observe"
	"github.com/secretguard/secretguard/shared/workload/workloadtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

// selfAccounts hands out the moto config for every account: the
// cross-account path is tested with secrets in functions/evaluator.
type selfAccounts struct{ cfg aws.Config }

func (s selfAccounts) For(context.Context, string, string, string) (aws.Config, error) {
	return s.cfg, nil
}

func sampleEvent(t *testing.T, name string, edit func(string) string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "config", name))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		return []byte(edit(string(b)))
	}
	return b
}

func resourceEvaluator(t *testing.T) (*Evaluator, *fakeConfig, *workloadtest.Seeder) {
	t.Helper()
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, "us-east-1")
	fc := &fakeConfig{}
	now := func() time.Time { return time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) }
	e := &Evaluator{
		Baseline: baseline.Default(), Accounts: selfAccounts{cfg}, RoleName: "spoke",
		NewConfig: func(aws.Config) ConfigAPI { return fc }, NewWorkload: observe.Factory(now), Now: now,
	}
	return e, fc, workloadtest.New(t, cfg, srv.Endpoint)
}

func evaluations(fc *fakeConfig) []types.Evaluation {
	var all []types.Evaluation
	for _, c := range fc.calls {
		all = append(all, c...)
	}
	return all
}

func TestResourceRuleChange(t *testing.T) {
	e, fc, s := resourceEvaluator(t)
	s.Function("orders-api", map[string]string{"DB_PASSWORD": "Tr0ub4dor&3"}, nil, nil, nil)
	res, err := e.Handle(context.Background(), sampleEvent(t, "change-lambda.json", nil), "")
	if err != nil {
		t.Fatal(err)
	}
	evs := evaluations(fc)
	if len(evs) != 1 || res.NonCompliant != 1 || res.Sent != 1 {
		t.Fatalf("result %+v, evaluations %+v", res, evs)
	}
	ev := evs[0]
	if aws.ToString(ev.ComplianceResourceType) != workload.TypeFunction || aws.ToString(ev.ComplianceResourceId) != "orders-api" ||
		ev.ComplianceType != types.ComplianceTypeNonCompliant || !strings.Contains(aws.ToString(ev.Annotation), "DB_PASSWORD") ||
		strings.Contains(aws.ToString(ev.Annotation), "Tr0ub") || !aws.ToTime(ev.OrderingTimestamp).Equal(time.Date(2026, 3, 2, 9, 20, 11, 201e6, time.UTC)) {
		t.Errorf("evaluation %+v (%s)", ev, aws.ToString(ev.Annotation))
	}

	// The function is gone by the time it is observed: NOT_APPLICABLE.
	fc.calls = nil
	gone := sampleEvent(t, "change-lambda.json", func(s string) string { return strings.ReplaceAll(s, "orders-api", "vanished") })
	if res, err := e.Handle(context.Background(), gone, ""); err != nil || res.Gone != 1 || res.NotApplicable != 1 {
		t.Errorf("gone: %+v, %v", res, err)
	}
	if evs := evaluations(fc); len(evs) != 1 || evs[0].ComplianceType != types.ComplianceTypeNotApplicable || aws.ToString(evs[0].ComplianceResourceType) != workload.TypeFunction {
		t.Errorf("gone evaluation %+v", evs)
	}

	// A deleted item needs no call.
	fc.calls = nil
	deleted := sampleEvent(t, "change-lambda.json", func(s string) string {
		return strings.Replace(s, `\"configurationItemStatus\":\"OK\"`, `\"configurationItemStatus\":\"ResourceDeleted\"`, 1)
	})
	if res, err := e.Handle(context.Background(), deleted, ""); err != nil || res.NotApplicable != 1 || res.Gone != 0 {
		t.Errorf("deleted: %+v, %v", res, err)
	}
}

func TestResourceRuleScope(t *testing.T) {
	e, fc, _ := resourceEvaluator(t)
	// A secret's item for a function check, and any item for an account check, are skipped.
	wrongType := sampleEvent(t, "change.json", func(s string) string {
		return strings.Replace(s, `{\"check\":\"rotation-schedule\"}`, `{\"check\":\"no-plaintext-lambda-env\"}`, 1)
	})
	res, err := e.Handle(context.Background(), wrongType, "")
	if err != nil || !strings.Contains(res.Skipped, "is not AWS::Lambda::Function") {
		t.Errorf("wrong type: %+v, %v", res, err)
	}
	accountChange := sampleEvent(t, "change-lambda.json", func(s string) string {
		return strings.Replace(s, `{\"check\":\"no-plaintext-lambda-env\"}`, `{\"check\":\"vpc-endpoint\"}`, 1)
	})
	res, err = e.Handle(context.Background(), accountChange, "")
	if err != nil || !strings.Contains(res.Skipped, "periodic only") {
		t.Errorf("account change: %+v, %v", res, err)
	}
	if len(fc.calls) != 0 {
		t.Errorf("skipped events put evaluations: %v", fc.calls)
	}
}

func TestResourceRuleSweeps(t *testing.T) {
	e, fc, s := resourceEvaluator(t)
	n := s.VPC("10.9.0.0/16")
	s.Function("in-vpc", nil, n.Subnets, []string{n.Group}, nil)
	res, err := e.Handle(context.Background(), sampleEvent(t, "scheduled-account.json", nil), "")
	if err != nil {
		t.Fatal(err)
	}
	evs := evaluations(fc)
	if len(evs) != 1 || res.NonCompliant != 1 {
		t.Fatalf("result %+v evaluations %+v", res, evs)
	}
	if ev := evs[0]; aws.ToString(ev.ComplianceResourceType) != workload.TypeAccount || aws.ToString(ev.ComplianceResourceId) != motoserver.TestAccount ||
		!strings.Contains(aws.ToString(ev.Annotation), n.VPC) || !aws.ToTime(ev.OrderingTimestamp).Equal(time.Date(2026, 3, 2, 0, 0, 0, 373e6, time.UTC)) {
		t.Errorf("evaluation %+v", ev)
	}

	// A function sweep: one evaluation per function.
	fc.calls = nil
	s.Function("leaky", map[string]string{"API_TOKEN": "ghp_" + strings.Repeat("a1B2c3", 6)}, nil, nil, nil)
	sweep := sampleEvent(t, "scheduled.json", func(s string) string {
		return strings.Replace(s, `{\"check\":\"rotation-schedule\"}`, `{\"check\":\"no-plaintext-lambda-env\"}`, 1)
	})
	res, err = e.Handle(context.Background(), sweep, "")
	if err != nil || res.Evaluated != 2 || res.NonCompliant != 1 || res.Compliant != 1 {
		t.Fatalf("function sweep %+v, %v", res, err)
	}
	for _, ev := range evaluations(fc) {
		if aws.ToString(ev.ComplianceResourceType) != workload.TypeFunction {
			t.Errorf("evaluation %+v", ev)
		}
	}

	// The caching check cannot read usage (a fake that fails): left out as incomplete.
	fc.calls = nil
	e.NewWorkload = func(cfg aws.Config, account string) scan.ResourceObserver {
		o := observe.New(cfg, account)
		o.CloudWatch = failingCloudWatch{}
		return o
	}
	caching := sampleEvent(t, "scheduled-account.json", func(s string) string {
		return strings.Replace(s, `{\"check\":\"vpc-endpoint\"}`, `{\"check\":\"caching\"}`, 1)
	})
	res, err = e.Handle(context.Background(), caching, "")
	if err != nil || res.Incomplete != 1 || len(fc.calls) != 0 {
		t.Errorf("caching with unreadable usage: %+v, %v, calls %v", res, err, fc.calls)
	}
}

func TestResourcePermissions(t *testing.T) {
	ps := ResourcePermissions()
	if len(ps) != 1 || ps[0].Scope != awsenv.ScopeAccount {
		t.Fatalf("permissions %+v", ps)
	}
	got := strings.Join(ps[0].Actions, ",")
	for _, a := range observe.IAMActions {
		if !strings.Contains(got, a) {
			t.Errorf("ResourcePermissions lacks %s, which the Observer calls", a)
		}
	}
	for _, c := range checks.AllResource() {
		for _, a := range c.IAMActions() {
			if !strings.Contains(got, a) {
				t.Errorf("ResourcePermissions lacks %s of %s", a, c.ID())
			}
		}
	}
	for _, a := range EvaluatorIAMActions() {
		if strings.HasPrefix(a, "secretsmanager:GetSecretValue") {
			t.Error("the evaluator may read secret values")
		}
	}
}

func TestResourceEvaluationOfResult(t *testing.T) {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := ToEvaluation(resultOf(workload.TypeAccount, "111122223333"), "", ts)
	if aws.ToString(ev.ComplianceResourceType) != workload.TypeAccount || aws.ToString(ev.ComplianceResourceId) != "111122223333" {
		t.Errorf("evaluation %+v", ev)
	}
}

func TestResourceContinuationRejected(t *testing.T) {
	e, _, _ := resourceEvaluator(t)
	cont := sampleEvent(t, "scheduled-continuation.json", func(s string) string {
		return strings.Replace(s, `{\"check\":\"rotation-schedule\"}`, `{\"check\":\"caching\"}`, 1)
	})
	if _, err := e.Handle(context.Background(), cont, ""); err == nil || !strings.Contains(err.Error(), "does not hand over") {
		t.Errorf("continuation for a resource check: %v", err)
	}
}

var errUsage = errors.New("usage unavailable")

type failingCloudWatch struct{}

func (failingCloudWatch) GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	return nil, errUsage
}

func resultOf(typ, id string) scan.Result {
	return scan.Result{ResourceType: typ, ResourceID: id, Check: baseline.CheckCaching, Compliance: checks.Compliant, Annotation: "ok"}
}
