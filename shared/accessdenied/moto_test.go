package accessdenied

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/tickets"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

// table creates the shared table (pk, sk) in moto in region us-east-1.
func table(ctx context.Context, t *testing.T, cfg aws.Config) *dynamodb.Client {
	t.Helper()
	c := dynamodb.NewFromConfig(cfg)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("secretguard"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTableThrottleOnMoto: of the refusals of one caller in one window
// exactly one is admitted; the window's end admits the next with the count.
func TestTableThrottleOnMoto(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := motoserver.Start(t)
	srv.Reset(t)
	th := &TableThrottle{Client: table(ctx, t, srv.Config(t, "us-east-1")), Table: "secretguard", Window: time.Hour}
	t0 := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	// One after another, not concurrently: a single conditional UpdateItem
	// decides, and DynamoDB serialises conditional writes to one item, but
	// moto_server does not (run concurrently, it admitted 2 of 8 in CI), so
	// a concurrent run here would test moto, not the throttle.
	admitted := 0
	for i := range 8 {
		ok, _, err := th.Admit(ctx, "123456789012|arn:aws:sts::123456789012:assumed-role/x/y", "event-"+string(rune('a'+i)), t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			admitted++
		}
	}
	if admitted != 1 {
		t.Fatalf("%d of 8 refusals in one window admitted, want 1", admitted)
	}
	ok, n, err := th.Admit(ctx, "123456789012|arn:aws:sts::123456789012:assumed-role/x/y", "event-z", t0.Add(61*time.Minute))
	if err != nil || !ok || n != 7 {
		t.Errorf("after the window: %v %d %v, want admitted with 7 suppressed", ok, n, err)
	}
	if ok, _, _ := th.Admit(ctx, "another", "event-q", t0); !ok {
		t.Error("another caller was throttled")
	}
}

// TestWatcherOnMoto sends through moto's EventBridge to an SQS queue, as
// the notifier's queue receives it, and parses what arrives as the
// notifier does.
func TestWatcherOnMoto(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, "us-east-1")
	eb, q := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("secretguard")}); err != nil {
		t.Fatal(err)
	}
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("notifier")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("to-notifier"), EventBusName: aws.String("secretguard"),
		EventPattern: aws.String(`{"source":["secretguard"],"detail-type":["` + outcome.TypeAccessDenied + `"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("to-notifier"), EventBusName: aws.String("secretguard"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:us-east-1:" + motoserver.TestAccount + ":notifier")}}}); err != nil {
		t.Fatal(err)
	}
	w := &Watcher{Events: eb, EventBus: "secretguard", Throttle: &TableThrottle{Client: table(ctx, t, cfg), Table: "secretguard"}}
	for range 3 {
		if _, err := w.Handle(ctx, sample(t, "get-secret-value-denied.json")); err != nil {
			t.Fatal(err)
		}
	}
	var bodies []string
	for range 3 {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
	}
	// The same CloudTrail event three times (EventBridge retries): the
	// throttle admits its retries, the notifier deduplicates on the ID.
	if len(bodies) != 3 {
		t.Fatalf("%d events reached the queue, want 3", len(bodies))
	}
	ids := map[string]bool{}
	for _, b := range bodies {
		e, err := tickets.ParseEvent([]byte(b))
		if err != nil {
			t.Fatalf("the notifier rejects %s: %v", b, err)
		}
		ids[e.Detail.ID] = true
		if e.Detail.Caller == nil || e.Detail.Caller.ARN == "" || !strings.Contains(e.Detail.Annotation, "orders-api") {
			t.Errorf("detail %+v", e.Detail)
		}
	}
	if len(ids) != 1 {
		t.Errorf("retries of one CloudTrail event got %d detail IDs, want 1", len(ids))
	}
}
