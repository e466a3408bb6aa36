package revoke

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const (
	region     = "us-east-1"
	acct       = motoserver.TestAccount
	motoCaller = "arn:aws:sts::123456789012:user/moto" // moto's GetCallerIdentity
	breakGlass = "arn:aws:iam::123456789012:role/break-glass"
	rotRole    = "arn:aws:iam::123456789012:role/" + awsfix.RotationRole
)

// env is one test's moto world: the state table, a bus whose rule sends
// secretguard events to an SQS queue, the rotation function and its role,
// a break-glass role, and the clients the Runner uses.
type env struct {
	t        *testing.T
	ctx      context.Context
	cfg      aws.Config
	sm       *secretsmanager.Client // moto, uninstrumented, for setup and asserts
	fake     *rotatingSM
	counter  *awsenv.Counter
	iam      *iam.Client
	ddb      *dynamodb.Client
	sqs      *sqs.Client
	queueURL string
	rotFn    string
	rds      *fakeRDS
}

const (
	table = "secretguard"
	bus   = "secretguard"
)

func must[T any](t testing.TB, what string) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := motoserver.Start(t)
	srv.Reset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	cfg := srv.Config(t, region)
	e := &env{t: t, ctx: ctx, cfg: cfg, sm: secretsmanager.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg),
		ddb: dynamodb.NewFromConfig(cfg), sqs: sqs.NewFromConfig(cfg), counter: awsenv.NewCounter()}
	// The Runner's Secrets Manager client goes through the awsenv limiter.
	smCfg := cfg.Copy()
	awsenv.Instrument(&smCfg, awsenv.NewLimiter(awsenv.Budget{Policy: 1000, Rotation: 1000, Describe: 10000, List: 1000}), e.counter)
	e.fake = &rotatingSM{Client: secretsmanager.NewFromConfig(smCfg), raw: e.sm, injected: map[string]*smInjection{}}
	e.rds = &fakeRDS{sm: e.sm}
	if err := ledger.CreateTable(ctx, e.ddb, table); err != nil {
		t.Fatal(err)
	}
	eb := eventbridge.NewFromConfig(cfg)
	must[*eventbridge.CreateEventBusOutput](t, "CreateEventBus")(eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}))
	q := must[*sqs.CreateQueueOutput](t, "CreateQueue")(e.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("tickets")}))
	e.queueURL = aws.ToString(q.QueueUrl)
	must[*eventbridge.PutRuleOutput](t, "PutRule")(eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("revoked"), EventBusName: aws.String(bus),
		EventPattern: aws.String(`{"source":["secretguard"],"detail-type":["Secret Revoked"]}`)}))
	must[*eventbridge.PutTargetsOutput](t, "PutTargets")(eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("revoked"), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:" + region + ":" + acct + ":tickets")}}}))
	for _, name := range []string{"break-glass", "app-reader", "other-reader"} {
		awsfix.LambdaRole(t, ctx, cfg, name)
	}
	e.rotFn = awsfix.RotationFunction(t, ctx, cfg, "rotate") // runs as rotRole
	return e
}

// runner returns a Runner on the env's clients; CloudTrail is moto's (which
// has no LookupEvents) unless trail is given.
func (e *env) runner(trail CloudTrailAPI) *Runner {
	if trail == nil {
		trail = cloudtrail.NewFromConfig(e.cfg, func(o *cloudtrail.Options) { o.RetryMaxAttempts = 1 })
	}
	return &Runner{
		Secrets: e.fake, CloudTrail: trail, IAM: e.iam, STS: sts.NewFromConfig(e.cfg), Lambda: lambda.NewFromConfig(e.cfg),
		RDS: e.rds, Events: eventbridge.NewFromConfig(e.cfg), DynamoDB: e.ddb, Table: table, EventBus: bus,
		Baseline: baseline.Default(), Region: region, PollInterval: 10 * time.Millisecond,
		Log: slog.New(slog.NewJSONHandler(testWriter{e.t}, nil)),
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// secret creates a secret; with rotate it gets rotation by the env's
// function. moto's RotateSecret leaves an AWSPENDING version behind even
// with RotateImmediately false (AWS would not): it is removed here.
func (e *env) secret(name, policy string, rotate bool, tags map[string]string) string {
	e.t.Helper()
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("initial")}
	for k, v := range tags {
		in.Tags = append(in.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out := must[*secretsmanager.CreateSecretOutput](e.t, "CreateSecret")(e.sm.CreateSecret(e.ctx, in))
	arn := aws.ToString(out.ARN)
	if policy != "" {
		must[*secretsmanager.PutResourcePolicyOutput](e.t, "PutResourcePolicy")(e.sm.PutResourcePolicy(e.ctx,
			&secretsmanager.PutResourcePolicyInput{SecretId: &arn, ResourcePolicy: &policy}))
	}
	if rotate {
		must[*secretsmanager.RotateSecretOutput](e.t, "RotateSecret")(e.sm.RotateSecret(e.ctx, &secretsmanager.RotateSecretInput{SecretId: &arn,
			RotationLambdaARN: &e.rotFn, RotateImmediately: aws.Bool(false), RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}}))
		for _, v := range e.snap(arn).VersionsWith(secret.StagePending) {
			if !e.hasStage(arn, v, secret.StageCurrent) {
				e.moveStage(arn, secret.StagePending, "", v)
			}
		}
	}
	return arn
}

func (e *env) snap(arn string) *secret.Snapshot {
	e.t.Helper()
	out := must[*secretsmanager.DescribeSecretOutput](e.t, "DescribeSecret")(e.sm.DescribeSecret(e.ctx, &secretsmanager.DescribeSecretInput{SecretId: &arn}))
	s := must[*secret.Snapshot](e.t, "FromDescribe")(secret.FromDescribe(out, time.Now()))
	return s
}

func (e *env) hasStage(arn, version, stage string) bool {
	for _, s := range e.snap(arn).VersionStages[version] {
		if s == stage {
			return true
		}
	}
	return false
}

// moveStage moves stage to version `to` (or only removes it from `from`).
func (e *env) moveStage(arn, stage, to, from string) {
	e.t.Helper()
	in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: &arn, VersionStage: &stage}
	if to != "" {
		in.MoveToVersionId = &to
	}
	if from != "" {
		in.RemoveFromVersionId = &from
	}
	must[*secretsmanager.UpdateSecretVersionStageOutput](e.t, "UpdateSecretVersionStage")(e.sm.UpdateSecretVersionStage(e.ctx, in))
}

func (e *env) policy(arn string) string {
	e.t.Helper()
	out := must[*secretsmanager.GetResourcePolicyOutput](e.t, "GetResourcePolicy")(e.sm.GetResourcePolicy(e.ctx, &secretsmanager.GetResourcePolicyInput{SecretId: &arn}))
	return aws.ToString(out.ResourcePolicy)
}

// item reads the state item of a secret, nil when there is none.
func (e *env) item(incident, arn string) map[string]ddbtypes.AttributeValue {
	e.t.Helper()
	out := must[*dynamodb.GetItemOutput](e.t, "GetItem")(e.ddb.GetItem(e.ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(incident, arn), ConsistentRead: aws.Bool(true)}))
	return out.Item
}

func (e *env) itemCount() int {
	e.t.Helper()
	out := must[*dynamodb.ScanOutput](e.t, "Scan")(e.ddb.Scan(e.ctx, &dynamodb.ScanInput{TableName: aws.String(table)}))
	return len(out.Items)
}

// receivedEvent is an EventBridge event as the SQS target received it.
type receivedEvent struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// events drains the queue.
func (e *env) events() []receivedEvent {
	e.t.Helper()
	var out []receivedEvent
	for {
		r := must[*sqs.ReceiveMessageOutput](e.t, "ReceiveMessage")(e.sqs.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{
			QueueUrl: &e.queueURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 0}))
		if len(r.Messages) == 0 {
			return out
		}
		for _, m := range r.Messages {
			var ev receivedEvent
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
				e.t.Fatalf("event %s: %v", aws.ToString(m.Body), err)
			}
			out = append(out, ev)
			_, _ = e.sqs.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: &e.queueURL, ReceiptHandle: m.ReceiptHandle})
		}
	}
}

func (e *env) rolePolicy(role string) (string, bool) {
	out, err := e.iam.GetRolePolicy(e.ctx, &iam.GetRolePolicyInput{RoleName: &role, PolicyName: aws.String(RevokeSessionsPolicyName)})
	if err != nil {
		return "", false
	}
	// IAM returns policy documents URL-encoded (RFC 3986), as AWS does.
	doc, err := url.QueryUnescape(aws.ToString(out.PolicyDocument))
	if err != nil {
		e.t.Fatalf("role policy of %s: %v", role, err)
	}
	return doc, true
}

// rotatingSM is moto's Secrets Manager with an AWS-faithful RotateSecret.
// moto's rotation moves stages unlike AWS (AWSCURRENT can land on an empty
// version, a failed call still mutates the secret, and there is no rotation
// function to run), so RotateSecret is faked at the interface: it refuses
// while AWSPENDING sits on another version, as AWS does, and then plays the
// rotation function against moto's store — success moves AWSCURRENT to the
// version named by ClientRequestToken (AWSPREVIOUS to the old one); failure
// leaves AWSPENDING on it, as a rotation function failing at setSecret does.
type rotatingSM struct {
	*secretsmanager.Client
	raw *secretsmanager.Client

	mu       sync.Mutex
	fail     bool
	rotated  []string // ClientRequestTokens, in order
	injected map[string]*smInjection
	// onDescribe runs before every DescribeSecret (e.g. to finish a rotation
	// already in progress after some polls).
	onDescribe func(n int)
	describes  int
}

// smInjection adds what moto cannot create to a secret's DescribeSecret.
type smInjection struct {
	owningService string
	tags          map[string]string
}

func (f *rotatingSM) RotateSecret(ctx context.Context, in *secretsmanager.RotateSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.RotateSecretOutput, error) {
	f.mu.Lock()
	f.rotated = append(f.rotated, aws.ToString(in.ClientRequestToken))
	fail := f.fail
	f.mu.Unlock()
	d, err := f.raw.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: in.SecretId})
	if err != nil {
		return nil, err
	}
	s, _ := secret.FromDescribe(d, time.Now())
	if p := strayPending(s); len(p) > 0 {
		return nil, &smtypes.InvalidRequestException{Message: aws.String(fmt.Sprintf("A previous rotation isn't complete (AWSPENDING on %v)", p))}
	}
	if err := playRotation(ctx, f.raw, aws.ToString(d.ARN), aws.ToString(in.ClientRequestToken), current(s), !fail); err != nil {
		return nil, err
	}
	return &secretsmanager.RotateSecretOutput{ARN: d.ARN, Name: d.Name, VersionId: in.ClientRequestToken}, nil
}

// playRotation does what a rotation function does: createSecret puts the
// new version under AWSPENDING; finishSecret (when finish) moves AWSCURRENT
// to it (Secrets Manager labels the old one AWSPREVIOUS) and AWSPENDING
// goes.
func playRotation(ctx context.Context, sm *secretsmanager.Client, arn, token, from string, finish bool) error {
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &arn, ClientRequestToken: &token,
		SecretString: aws.String("rotated"), VersionStages: []string{secret.StagePending}}); err != nil || !finish {
		return err
	}
	if _, err := sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: &arn,
		VersionStage: aws.String(secret.StageCurrent), MoveToVersionId: &token, RemoveFromVersionId: &from}); err != nil {
		return err
	}
	_, err := sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: &arn,
		VersionStage: aws.String(secret.StagePending), RemoveFromVersionId: &token})
	return err
}

func (f *rotatingSM) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.mu.Lock()
	f.describes++
	n, hook := f.describes, f.onDescribe
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	out, err := f.Client.DescribeSecret(ctx, in, opts...)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	inj := f.injected[aws.ToString(out.ARN)]
	f.mu.Unlock()
	if inj != nil {
		out.OwningService = aws.String(inj.owningService)
		for k, v := range inj.tags {
			out.Tags = append(out.Tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
	}
	return out, nil
}

func (f *rotatingSM) tokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.rotated...)
}

// fakeRDS records ModifyDBInstance / ModifyDBCluster and plays RDS's
// managed rotation: a new AWSCURRENT version of the secret.
type fakeRDS struct {
	sm        *secretsmanager.Client
	secretARN string
	mu        sync.Mutex
	instances []rdsCall
	clusters  []rdsCall
}

type rdsCall struct {
	ID                       string
	Rotate, ApplyImmediately bool
}

// fakeTrail answers LookupEvents with fixed events, one page.
type fakeTrail struct {
	events []cttypes.Event
	calls  int
}

func (f *fakeTrail) LookupEvents(ctx context.Context, in *cloudtrail.LookupEventsInput, _ ...func(*cloudtrail.Options)) (*cloudtrail.LookupEventsOutput, error) {
	f.calls++
	if len(in.LookupAttributes) != 1 || aws.ToString(in.LookupAttributes[0].AttributeValue) != "GetSecretValue" {
		return nil, fmt.Errorf("unexpected lookup %+v", in.LookupAttributes)
	}
	return &cloudtrail.LookupEventsOutput{Events: f.events}, nil
}

// readEvent is a GetSecretValue CloudTrail event by a role session.
func readEvent(secretID, roleARN, roleName, errorCode string, at time.Time) cttypes.Event {
	rec := map[string]any{
		"eventName": "GetSecretValue", "sourceIPAddress": "203.0.113.7",
		"userIdentity": map[string]any{
			"type": "AssumedRole", "arn": "arn:aws:sts::" + acct + ":assumed-role/" + roleName + "/s1", "accountId": acct,
			"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": roleARN}},
		},
		"requestParameters": map[string]any{"secretId": secretID},
	}
	if errorCode != "" {
		rec["errorCode"] = errorCode
	}
	b, _ := json.Marshal(rec)
	return cttypes.Event{EventName: aws.String("GetSecretValue"), EventTime: aws.Time(at), CloudTrailEvent: aws.String(string(b))}
}

func (f *fakeRDS) ModifyDBInstance(ctx context.Context, in *rds.ModifyDBInstanceInput, _ ...func(*rds.Options)) (*rds.ModifyDBInstanceOutput, error) {
	f.mu.Lock()
	f.instances = append(f.instances, rdsCall{aws.ToString(in.DBInstanceIdentifier), aws.ToBool(in.RotateMasterUserPassword), aws.ToBool(in.ApplyImmediately)})
	n := len(f.instances)
	f.mu.Unlock()
	return &rds.ModifyDBInstanceOutput{}, f.rotate(ctx, n)
}

func (f *fakeRDS) ModifyDBCluster(ctx context.Context, in *rds.ModifyDBClusterInput, _ ...func(*rds.Options)) (*rds.ModifyDBClusterOutput, error) {
	f.mu.Lock()
	f.clusters = append(f.clusters, rdsCall{aws.ToString(in.DBClusterIdentifier), aws.ToBool(in.RotateMasterUserPassword), aws.ToBool(in.ApplyImmediately)})
	n := len(f.clusters)
	f.mu.Unlock()
	return &rds.ModifyDBClusterOutput{}, f.rotate(ctx, 100+n)
}

// rotate plays RDS's managed rotation: RDS picks the new version's ID.
func (f *fakeRDS) rotate(ctx context.Context, n int) error {
	d, err := f.sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &f.secretARN})
	if err != nil {
		return err
	}
	s, err := secret.FromDescribe(d, time.Now())
	if err != nil {
		return err
	}
	return playRotation(ctx, f.sm, f.secretARN, rotationToken("rds-managed", f.secretARN, n, 0), current(s), true)
}
