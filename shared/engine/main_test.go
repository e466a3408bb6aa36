package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/tickets"
	"github.com/secretguard/secretguard/shared/workload/observe"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const (
	account = motoserver.TestAccount
	region  = "us-east-1"
	org     = "o-a1b2c3d4e5"
	table   = "secretguard"
	creator = "arn:aws:sts::" + account + ":assumed-role/team-payments/alice"
)

// baselineYAML is the organisation's baseline for these tests: every check
// reports unless a test sets its mode.
const baselineYAML = `
version: 1
organization: {id: ` + org + `}
defaultClass: standard
classes:
  - name: standard
    maxRotationDays: 90
    rotationFunctions: [{engine: "*", arn: "arn:${Partition}:lambda:${Region}:${AccountId}:function:rotate"}]
  - name: dr
    match: {namePrefixes: [dr/]}
    maxRotationDays: 90
    replicateTo: [eu-west-1]
    rotationFunctions: [{engine: "*", arn: "arn:${Partition}:lambda:${Region}:${AccountId}:function:rotate"}]
requiredTags:
  - key: owner
  - key: environment
    default: dev
kms:
  defaultKeys: {"*": "alias/secretguard"}
waivers: {tagPrefix: "secretguard:waive:", maxDays: 365}
maxChangesPerInvocation: 25
`

// serialWrites makes the ledger's writes one at a time, as DynamoDB
// serialises conditional writes to one item (the claims rely on it);
// moto_server does not, and concurrent tests (TestDuplicateEvents) would
// otherwise test moto's races instead of the engine.
type serialWrites struct {
	ledger.DynamoDBAPI
	mu sync.Mutex
}

func (s *serialWrites) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.DynamoDBAPI.PutItem(ctx, in, opts...)
}

func (s *serialWrites) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.DynamoDBAPI.UpdateItem(ctx, in, opts...)
}

func (s *serialWrites) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.DynamoDBAPI.BatchWriteItem(ctx, in, opts...)
}

// env is one test's moto: fresh state, the shared table, recorded events.
type env struct {
	t       testing.TB
	ctx     context.Context
	srv     *motoserver.Server
	sm      *secretsmanager.Client
	b       *baseline.Baseline
	store   *ledger.Store
	events  *recorder
	counter *awsenv.Counter
	aws     *awsLike
	// now is the engine's clock (default: the real time, as moto's dates).
	now func() time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	srv := motoserver.Start(t)
	srv.Reset(t)
	b, err := baseline.Parse([]byte(baselineYAML))
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config(t, region)
	counter := awsenv.NewCounter()
	counted := cfg.Copy()
	awsenv.Instrument(&counted, nil, counter)
	db := dynamodb.NewFromConfig(counted)
	if err := ledger.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, srv: srv, sm: secretsmanager.NewFromConfig(cfg), b: b,
		store: &ledger.Store{DB: &serialWrites{DynamoDBAPI: db}, Table: table}, events: &recorder{}, counter: counter, aws: newAWSLike(org)}
}

// mode sets a check's mode.
func (e *env) mode(check, mode string) { e.b.Checks[check] = baseline.CheckSettings{Mode: mode} }

// engine builds an engine on moto: counted clients, the AWS-like wrapper
// (see awslike_test.go), the ledger and the event recorder.
func (e *env) engine() *engine.Engine {
	return &engine.Engine{
		Baseline: e.b, Accounts: accountsFunc(e.config), Actor: "test",
		NewSecrets: func(cfg aws.Config) engine.SecretsAPI { return e.aws.wrap(secretsmanager.NewFromConfig(cfg)) },
		Ledger:     e.store, Events: e.events, Now: e.now,
		NewWorkload: observe.Factory(e.now),
	}
}

func (e *env) config(_ context.Context, _, r, _ string) (aws.Config, error) {
	if r == "" {
		r = region
	}
	cfg := e.srv.Config(e.t, r)
	awsenv.Instrument(&cfg, nil, e.counter)
	return cfg, nil
}

// accountsFunc adapts a function to awsenv.Accounts.
type accountsFunc func(ctx context.Context, account, region, role string) (aws.Config, error)

func (f accountsFunc) For(ctx context.Context, account, region, role string) (aws.Config, error) {
	return f(ctx, account, region, role)
}

// reconcile runs one reconcile in a new invocation.
func (e *env) reconcile(id string, hints remedies.Hints) engine.Result {
	e.t.Helper()
	res, err := e.engine().Start().Reconcile(e.ctx, engine.Request{SecretID: id, Hints: hints, Trigger: "test"})
	if err != nil {
		e.t.Fatalf("reconcile %s: %v", id, err)
	}
	return res
}

// create makes a secret and returns its ARN.
func (e *env) create(name string, tags map[string]string) string {
	e.t.Helper()
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(`{"password":"never-read"}`)}
	in.Tags = tagList(tags)
	out, err := e.sm.CreateSecret(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return aws.ToString(out.ARN)
}

// observe reads a secret as it is now.
func (e *env) observe(id string) *secret.Snapshot {
	e.t.Helper()
	o := secret.Observer{Client: e.aws.wrap(e.sm)}
	s, err := o.Secret(e.ctx, id, secret.Needs{Policy: true})
	if err != nil {
		e.t.Fatalf("observe %s: %v", id, err)
	}
	return s
}

// history returns the ledger entries of a secret.
func (e *env) history(arn string) []ledger.Entry {
	e.t.Helper()
	h, err := e.store.History(e.ctx, arn, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// check returns the result of one check.
func check(t *testing.T, res engine.Result, id string) engine.CheckResult {
	t.Helper()
	for _, c := range res.Checks {
		if c.Check == id {
			return c
		}
	}
	t.Fatalf("no result for %s in %+v", id, res)
	return engine.CheckResult{}
}

// rotationFunction creates the Lambda function "rotate" the baseline names
// (awsfix.RotationFunction).
func (e *env) rotationFunction() string {
	e.t.Helper()
	return awsfix.RotationFunction(e.t, e.ctx, e.srv.Config(e.t, region), "rotate")
}

// key creates a customer managed key aliased alias/secretguard in a Region,
// whose policy lets the account use it through Secrets Manager there.
func (e *env) key(r string) string {
	e.t.Helper()
	c := kms.NewFromConfig(e.srv.Config(e.t, r))
	policy := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"},
	 {"Effect":"Allow","Principal":{"AWS":"*"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
	  "Condition":{"StringEquals":{"kms:CallerAccount":"` + account + `","kms:ViaService":"secretsmanager.` + r + `.amazonaws.com"}}}]}`
	k, err := c.CreateKey(e.ctx, &kms.CreateKeyInput{Policy: aws.String(policy)})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := c.CreateAlias(e.ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/secretguard"), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(k.KeyMetadata.Arn)
}

// recorder is the event bus: it keeps every event sent.
type recorder struct {
	mu      sync.Mutex
	calls   int
	entries []ebtypes.PutEventsRequestEntry
}

func (r *recorder) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.entries = append(r.entries, in.Entries...)
	return &eventbridge.PutEventsOutput{Entries: make([]ebtypes.PutEventsResultEntry, len(in.Entries))}, nil
}

// sent returns the events sent, each parsed as the notifier parses it.
func (r *recorder) sent(t *testing.T) []*tickets.Event {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*tickets.Event
	for _, en := range r.entries {
		raw, _ := json.Marshal(map[string]any{"version": "0", "id": "x", "detail-type": aws.ToString(en.DetailType),
			"source": aws.ToString(en.Source), "detail": json.RawMessage(aws.ToString(en.Detail)), "resources": en.Resources})
		ev, err := tickets.ParseEvent(raw)
		if err != nil {
			t.Fatalf("the notifier rejects an event: %v\n%s", err, raw)
		}
		out = append(out, ev)
	}
	return out
}

// types returns the detail types sent.
func (r *recorder) types(t *testing.T) []string {
	var out []string
	for _, ev := range r.sent(t) {
		out = append(out, ev.DetailType)
	}
	return out
}

func tagList(m map[string]string) []smtypes.Tag {
	var out []smtypes.Tag
	for k, v := range m {
		out = append(out, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

// canonicalJSON re-encodes a document with sorted keys.
func canonicalJSON(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
