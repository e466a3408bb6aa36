package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/tickets"
)

func jsonLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

// createTable creates the shared state table (ledger.CreateTable).
func createTable(t *testing.T, db *dynamodb.Client, name string) {
	t.Helper()
	if err := ledger.CreateTable(ctxT(t), db, name); err != nil {
		t.Fatal(err)
	}
}

// fakeOps stands in for OpsCenter, which moto does not implement.
type fakeOps struct {
	creates []*ssm.CreateOpsItemInput
	updates []*ssm.UpdateOpsItemInput
}

func (f *fakeOps) CreateOpsItem(_ context.Context, in *ssm.CreateOpsItemInput, _ ...func(*ssm.Options)) (*ssm.CreateOpsItemOutput, error) {
	f.creates = append(f.creates, in)
	return &ssm.CreateOpsItemOutput{OpsItemId: aws.String(fmt.Sprintf("oi-%d", len(f.creates)))}, nil
}

func (f *fakeOps) UpdateOpsItem(_ context.Context, in *ssm.UpdateOpsItemInput, _ ...func(*ssm.Options)) (*ssm.UpdateOpsItemOutput, error) {
	f.updates = append(f.updates, in)
	return &ssm.UpdateOpsItemOutput{}, nil
}

// TestHandlerWithTracker runs the handler on the real Tracker, its state in
// moto's DynamoDB, with OpsCenter faked at its interface.
func TestHandlerWithTracker(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	db := dynamodb.NewFromConfig(srv.Config(t, "us-east-1"))
	createTable(t, db, "secretguard")
	ops := &fakeOps{}
	h := &Handler{Tracker: &tickets.Tracker{
		Store: &tickets.Store{DB: db, Table: "secretguard", Retention: 24 * time.Hour},
		Sinks: []tickets.Sink{tickets.NewOpsCenter("opscenter", "", ops)},
	}}
	for _, name := range []string{"needs-attention.json", "needs-attention.json", "needs-attention-changed.json", "remediated.json", "revoked.json"} {
		if _, err := h.Handle(ctxT(t), readSample(t, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	out, err := h.Handle(ctxT(t), readSample(t, "sqs-batch.json"))
	if err != nil || len(out.(events.SQSEventResponse).BatchItemFailures) != 1 {
		t.Fatalf("batch: %+v, %v", out, err)
	}
	// stripe-key/rotation-enabled: opened once, updated once, resolved;
	// stripe-key/revoked: opened; db/orders/cmk: opened and resolved.
	var checks []string
	for _, c := range ops.creates {
		checks = append(checks, aws.ToString(c.OperationalData["secretguard:check"].Value))
	}
	if strings.Join(checks, ",") != "rotation-enabled,revoked,cmk" {
		t.Errorf("OpsItems created for %v", checks)
	}
	var statuses []string
	for _, u := range ops.updates {
		statuses = append(statuses, aws.ToString(u.OpsItemId)+":"+string(u.Status))
	}
	if strings.Join(statuses, ",") != "oi-1:,oi-1:Resolved,oi-3:Resolved" {
		t.Errorf("updates %v", statuses)
	}
}

// TestSetup wires the function as main does, against moto: the baseline
// names an SNS sink, and an event reaches the SQS queue subscribed to it.
func TestSetup(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, "us-east-1")
	db, snsc, sqsc := dynamodb.NewFromConfig(cfg), sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	createTable(t, db, "secretguard-state")
	topic, err := snsc.CreateTopic(ctxT(t), &sns.CreateTopicInput{Name: aws.String("tickets")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqsc.CreateQueue(ctxT(t), &sqs.CreateQueueInput{QueueName: aws.String("tickets")})
	if err != nil {
		t.Fatal(err)
	}
	qa, _ := sqsc.GetQueueAttributes(ctxT(t), &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if _, err := snsc.Subscribe(ctxT(t), &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(qa.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "baseline.yaml")
	doc := "version: 1\nclasses: [{name: standard, maxRotationDays: 90}]\ntickets: {sinks: [{type: sns, topicArn: '" + aws.ToString(topic.TopicArn) + "'}]}\n"
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TABLE_NAME": "secretguard-state", "BASELINE": file, "AWS_REGION": "us-east-1"}
	awsfix.MotoEnv(t, srv, "us-east-1")
	var logs strings.Builder
	h, err := setup(ctxT(t), func(k string) string { return env[k] }, jsonLogger(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"msg":"notifier ready"`) || !strings.Contains(logs.String(), `"sinks":["sns"]`) {
		t.Errorf("logs %s", logs.String())
	}
	for _, name := range []string{"remediation-failed.json", "remediation-failed.json", "compliant.json"} {
		if _, err := h.Handle(ctxT(t), readSample(t, name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	msgs, err := sqsc.ReceiveMessage(ctxT(t), &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, m := range msgs.Messages {
		var env struct {
			MessageAttributes map[string]struct{ Value string }
		}
		_ = json.Unmarshal([]byte(aws.ToString(m.Body)), &env)
		actions = append(actions, env.MessageAttributes["action"].Value)
	}
	if strings.Join(actions, ",") != "open,resolve" && strings.Join(actions, ",") != "resolve,open" {
		t.Errorf("SNS delivered %v, want one open and one resolve", actions)
	}

	// Init errors.
	if _, err := setup(ctxT(t), func(string) string { return "" }, jsonLogger(io.Discard)); err == nil || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Errorf("no table: %v", err)
	}
	env["BASELINE"] = filepath.Join(t.TempDir(), "missing.yaml")
	if _, err := setup(ctxT(t), func(k string) string { return env[k] }, jsonLogger(io.Discard)); err == nil || !strings.Contains(err.Error(), "baseline") {
		t.Errorf("missing baseline: %v", err)
	}
}

// TestInitFailure runs main in a child process without TABLE_NAME: one
// JSON error line on stdout, exit status 1.
func TestInitFailure(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "NOTIFIER_RUN_MAIN=1", "TABLE_NAME=", "AWS_REGION=us-east-1")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, output %s", err, out)
	}
	var line map[string]any
	if err := json.Unmarshal(out, &line); err != nil {
		t.Fatalf("stdout is not one JSON line: %q", out)
	}
	if line["level"] != "ERROR" || line["msg"] != "init failed" || !strings.Contains(line["error"].(string), "TABLE_NAME") {
		t.Errorf("line %v", line)
	}
}
