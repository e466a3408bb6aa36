package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/metrics"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const (
	denied    = "444455556666" // its spoke role refuses AssumeRole: terminal
	throttled = "222233334444" // STS throttles past the SDK's retries: retryable
	value     = "sk_live_never-logged"
)

type accountsFunc func(ctx context.Context, account, region, role string) (aws.Config, error)

func (f accountsFunc) For(ctx context.Context, account, region, role string) (aws.Config, error) {
	return f(ctx, account, region, role)
}

// fixture is the remediator's handler on moto: the member account's secret is
// reached through moto's STS AssumeRole, as in production.
type fixture struct {
	h      *Handler
	logs   *bytes.Buffer
	emf    *bytes.Buffer
	sm     *secretsmanager.Client // in the member account
	arn    string
	ctx    context.Context
	sample func(name string) []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, "us-east-1")
	if err := ledger.CreateTable(ctx, dynamodb.NewFromConfig(cfg), "secretguard"); err != nil {
		t.Fatal(err)
	}
	counter := awsenv.NewCounter()
	roles := awsenv.NewRoles(cfg, "test", counter, awsenv.Budget{})
	roles.SetSelfAccount(motoserver.TestAccount)
	memberCfg, err := roles.For(ctx, member, "us-east-1", awsenv.SpokeRole(awsenv.DefaultSpokeRolePrefix, "remediator"))
	if err != nil {
		t.Fatal(err)
	}
	sm := secretsmanager.NewFromConfig(memberCfg)
	out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/payments/stripe-key"), SecretString: aws.String(value)})
	if err != nil {
		t.Fatal(err)
	}
	b := baseline.Default()
	b.Checks[baseline.CheckRequiredTags] = baseline.CheckSettings{Mode: baseline.ModeRemediate}
	b.RequiredTags[1].Default = "prod"
	f := &fixture{logs: &bytes.Buffer{}, emf: &bytes.Buffer{}, sm: sm, arn: aws.ToString(out.ARN), ctx: ctx}
	log := slog.New(slog.NewJSONHandler(f.logs, nil))
	f.h = &Handler{Serves: Secrets, Roles: roles, Log: log, Metrics: metrics.New(f.emf), Counter: counter, FunctionName: "remediator",
		Engine: &engine.Engine{Baseline: b, RoleName: awsenv.SpokeRole(awsenv.DefaultSpokeRolePrefix, "remediator"), Log: log, Actor: "test",
			Ledger: &ledger.Store{DB: dynamodb.NewFromConfig(cfg), Table: "secretguard"}, Events: eventbridge.NewFromConfig(cfg),
			Accounts: accountsFunc(func(ctx context.Context, account, region, role string) (aws.Config, error) {
				switch account {
				case denied:
					return aws.Config{}, fmt.Errorf("assume role arn:aws:iam::%s:role/%s: %w", account, role, &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: sts:AssumeRole"})
				case throttled:
					return aws.Config{}, fmt.Errorf("assume role: %w", &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"})
				}
				return roles.For(ctx, account, region, role)
			})}}
	f.sample = func(name string) []byte {
		raw, err := os.ReadFile(filepath.Join(sampleDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return []byte(strings.ReplaceAll(string(raw), sampleARN, f.arn))
	}
	return f
}

func (f *fixture) tags(t *testing.T) map[string]string {
	t.Helper()
	d, err := f.sm.DescribeSecret(f.ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(f.arn)})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, tg := range d.Tags {
		out[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return out
}

// TestHandleEvents: a CloudTrail CreateSecret (the creator becomes the
// owner) and a compliance change, end to end through the member account's
// spoke role; the logs never carry the value.
func TestHandleEvents(t *testing.T) {
	f := newFixture(t)
	out, err := f.h.Handle(f.ctx, f.sample("cloudtrail-CreateSecret.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(Response)
	if resp.Result == nil || resp.Error != "" {
		t.Fatalf("response %+v", resp)
	}
	if tags := f.tags(t); tags["owner"] != "team-payments" || tags["environment"] != "prod" {
		t.Errorf("tags %v", tags)
	}
	out, err = f.h.Handle(f.ctx, f.sample("config-noncompliant.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out.(Response).Result.Checks {
		if c.Check == baseline.CheckRequiredTags && c.Outcome != engine.OutcomeCompliant {
			t.Errorf("second event: required-tags %s", c.Outcome)
		}
	}
	for _, name := range []string{"config-compliant.json", "cloudtrail-failed-call.json", "other-detail-type.json", "malformed-not-json.json"} {
		out, err := f.h.Handle(f.ctx, f.sample(name))
		if r := out.(Response); err != nil || r.Result != nil || (r.Skipped == "" && r.Error == "") {
			t.Errorf("%s: %+v %v", name, r, err)
		}
	}
	if strings.Contains(f.logs.String(), value) {
		t.Error("a log line carries the secret value")
	}
	var emf map[string]any
	lines := strings.Split(strings.TrimSpace(f.emf.String()), "\n")
	if err := json.Unmarshal([]byte(lines[0]), &emf); err != nil || emf["Remediated"] != 1.0 || emf["APICalls"].(float64) < 3 {
		t.Errorf("metrics %s (%v)", lines[0], err)
	}
}

// TestHandleFailures: a terminal error is a successful invocation with the
// error in the response; a retryable one fails the invocation; in an SQS
// batch only retryable records are reported as failures.
func TestHandleFailures(t *testing.T) {
	f := newFixture(t)
	direct := func(account string) []byte {
		return fmt.Appendf(nil, `{"secretId":"arn:aws:secretsmanager:us-east-1:%s:secret:app-AbCdEf"}`, account)
	}
	out, err := f.h.Handle(f.ctx, direct(denied))
	if r, _ := out.(Response); err != nil || r.Retryable || !strings.Contains(r.Error, "sts:AssumeRole") {
		t.Errorf("denied: %+v %v", out, err)
	}
	if _, err := f.h.Handle(f.ctx, direct(throttled)); err == nil || !strings.Contains(err.Error(), "Throttling") {
		t.Errorf("throttled: %v", err)
	}
	batch := events.SQSEvent{}
	for i, body := range [][]byte{f.sample("config-noncompliant.json"), direct(denied), direct(throttled), []byte("not json")} {
		batch.Records = append(batch.Records, events.SQSMessage{MessageId: fmt.Sprint("m", i), Body: string(body), EventSource: "aws:sqs"})
	}
	payload, _ := json.Marshal(batch)
	out, err = f.h.Handle(f.ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(events.SQSEventResponse).BatchItemFailures
	if len(got) != 1 || got[0].ItemIdentifier != "m2" {
		t.Errorf("batch item failures %+v, want only m2 (throttled)", got)
	}
	if tags := f.tags(t); tags["environment"] != "prod" {
		t.Errorf("the batch's compliance change was not remediated: %v", tags)
	}
}

func TestSetupNeedsTable(t *testing.T) {
	_, err := Setup(context.Background(), func(string) string { return "" }, &bytes.Buffer{}, slog.New(slog.DiscardHandler), Secrets, nil)
	if err == nil || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Errorf("setup without TABLE_NAME: %v", err)
	}
}
