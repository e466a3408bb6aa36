package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/configrule"
	"github.com/secretguard/secretguard/shared/metrics"
	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/workload/observe"
)

const (
	region  = "us-east-1"
	self    = motoserver.TestAccount
	spoke   = "111122223333"
	fnARN   = "arn:aws:lambda:us-east-1:" + self + ":function:secretguard-evaluator"
	samples = "../../events/config"
)

var testRole = DefaultSpokeRole

// fakeConfig records PutEvaluations calls. moto implements PutEvaluations
// only in TestMode, where nothing is recorded, so the handler tests put
// evaluations into this fake; everything else talks to moto.
type fakeConfig struct {
	mu    sync.Mutex
	calls []*configservice.PutEvaluationsInput
	errs  []error // returned by the next calls, one each
	// failFirst: Config reports the first n evaluations of the next
	// failTimes successful calls as failed.
	failFirst, failTimes int
}

func (f *fakeConfig) PutEvaluations(_ context.Context, in *configservice.PutEvaluationsInput, _ ...func(*configservice.Options)) (*configservice.PutEvaluationsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := *in
	cp.Evaluations = append([]types.Evaluation(nil), in.Evaluations...)
	f.calls = append(f.calls, &cp)
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	out := &configservice.PutEvaluationsOutput{}
	if f.failTimes > 0 {
		f.failTimes--
		out.FailedEvaluations = in.Evaluations[:min(f.failFirst, len(in.Evaluations))]
	}
	return out, nil
}

func (f *fakeConfig) evaluations() []types.Evaluation {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []types.Evaluation
	for _, c := range f.calls {
		all = append(all, c.Evaluations...)
	}
	return all
}

func (f *fakeConfig) sizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s []int
	for _, c := range f.calls {
		s = append(s, len(c.Evaluations))
	}
	return s
}

// fakeInvoker captures hand-over invocations.
type fakeInvoker struct {
	mu    sync.Mutex
	calls []*lambda.InvokeInput
	err   error
}

func (f *fakeInvoker) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return &lambda.InvokeOutput{StatusCode: 202}, nil
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines decodes the JSON lines written so far.
func (s *syncBuffer) lines(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split([]byte(s.String()), []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// env is a handler wired to moto for Secrets Manager and STS, with fakes
// for Config and Lambda.
type env struct {
	srv     *motoserver.Server
	base    aws.Config
	counter *awsenv.Counter
	h       *Handler
	config  *fakeConfig
	invoker *fakeInvoker
	logs    *syncBuffer
	// configCfgs and secretCfgs are the configs the client factories got.
	mu                     sync.Mutex
	configCfgs, secretCfgs []aws.Config
	// wrapSecrets, if set, wraps the Secrets Manager client.
	wrapSecrets func(secret.SecretsAPI) secret.SecretsAPI
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := motoserver.Start(t)
	srv.Reset(t)
	e := &env{srv: srv, counter: awsenv.NewCounter(), config: &fakeConfig{}, invoker: &fakeInvoker{}, logs: &syncBuffer{}}
	e.base = srv.Config(t, region)
	awsenv.Instrument(&e.base, awsenv.NewLimiter(awsenv.DefaultBudget()), e.counter)
	roles := awsenv.NewRoles(e.base, "secretguard-evaluator", e.counter, awsenv.DefaultBudget())
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	e.h = &Handler{
		Roles: roles,
		Evaluator: &configrule.Evaluator{
			Baseline: baseline.Default(), Accounts: roles, RoleName: testRole, NewWorkload: observe.Factory(nil),
			NewConfig: func(cfg aws.Config) configrule.ConfigAPI {
				e.mu.Lock()
				defer e.mu.Unlock()
				e.configCfgs = append(e.configCfgs, cfg)
				return e.config
			},
			NewSecrets: func(cfg aws.Config) secret.SecretsAPI {
				e.mu.Lock()
				defer e.mu.Unlock()
				e.secretCfgs = append(e.secretCfgs, cfg)
				var c secret.SecretsAPI = secretsmanager.NewFromConfig(cfg)
				if e.wrapSecrets != nil {
					c = e.wrapSecrets(c)
				}
				return c
			},
			Invoker: e.invoker, Counter: e.counter, Log: log, Metrics: metrics.New(e.logs),
			FunctionName: "secretguard-evaluator",
			PutBackoff:   func(int) time.Duration { return 0 },
		},
	}
	return e
}

// invoke runs the handler as Lambda would, with a deadline.
func (e *env) invoke(t testing.TB, payload []byte, timeout time.Duration) (configrule.Result, error) {
	t.Helper()
	return e.invokeUntil(t, payload, time.Now().Add(timeout))
}

func (e *env) invokeUntil(t testing.TB, payload []byte, deadline time.Time) (configrule.Result, error) {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-1", InvokedFunctionArn: fnARN})
	return e.h.Handle(ctx, payload)
}

// spokeConfig returns a config for the spoke account through moto's STS.
func (e *env) spokeConfig(t testing.TB) aws.Config {
	t.Helper()
	cfg, err := awsenv.NewRoles(e.srv.Config(t, region), "seed", nil, awsenv.DefaultBudget()).
		For(context.Background(), spoke, region, testRole)
	if err != nil {
		t.Fatalf("assume the spoke role on moto: %v", err)
	}
	return cfg
}

// createSecrets creates n secrets named prefix-%05d with tags
// (awsfix.CreateSecrets) and returns their ARNs sorted.
func createSecrets(t testing.TB, cfg aws.Config, prefix string, n int, tags map[string]string) []string {
	t.Helper()
	var tagList []smtypes.Tag
	for k, v := range tags {
		tagList = append(tagList, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	arns := awsfix.CreateSecrets(t, context.Background(), secretsmanager.NewFromConfig(cfg), n, func(i int) *secretsmanager.CreateSecretInput {
		name := fmt.Sprintf("%s-%05d", prefix, i)
		return &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("do-not-log-" + name), Tags: tagList}
	})
	sort.Strings(arns)
	return arns
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samples, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleWith returns a sample event after mutate has edited its decoded
// top level, invoking event and rule parameters.
func sampleWith(t testing.TB, name string, mutate func(top, invoking, params map[string]any)) []byte {
	t.Helper()
	var top map[string]any
	if err := json.Unmarshal(readSample(t, name), &top); err != nil {
		t.Fatal(err)
	}
	var invoking, params map[string]any
	_ = json.Unmarshal([]byte(top["invokingEvent"].(string)), &invoking)
	if s, ok := top["ruleParameters"].(string); ok {
		_ = json.Unmarshal([]byte(s), &params)
	}
	mutate(top, invoking, params)
	ib, _ := json.Marshal(invoking)
	pb, _ := json.Marshal(params)
	top["invokingEvent"], top["ruleParameters"] = string(ib), string(pb)
	out, err := json.Marshal(top)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// scheduledNow sets a scheduled sample's notification time to now, so the
// chain-age bound counts from now.
func scheduledNow(check string) func(top, invoking, params map[string]any) {
	return func(_, invoking, params map[string]any) {
		invoking["notificationCreationTime"] = time.Now().UTC().Format(time.RFC3339Nano)
		params["check"] = check
	}
}

func ids(evs []types.Evaluation) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, aws.ToString(e.ComplianceResourceId))
	}
	sort.Strings(out)
	return out
}
