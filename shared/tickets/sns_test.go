package tickets

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// snsEnvelope is what SQS receives from SNS without raw delivery.
type snsEnvelope struct {
	Type              string
	TopicArn          string
	Subject           string
	Message           string
	MessageAttributes map[string]struct{ Type, Value string }
}

// TestSNSDeliversToSQS publishes through moto's SNS to two SQS queues:
// one takes everything, one filters on the severity attribute.
func TestSNSDeliversToSQS(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, "us-east-1")
	snsc, sqsc := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	ctx := ctxT(t)

	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("secretguard-tickets")})
	if err != nil {
		t.Fatal(err)
	}
	queue := func(name, filter string) string {
		q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		in := &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(attrs.Attributes["QueueArn"])}
		if filter != "" {
			in.Attributes = map[string]string{"FilterPolicy": filter}
		}
		if _, err := snsc.Subscribe(ctx, in); err != nil {
			t.Fatal(err)
		}
		return aws.ToString(q.QueueUrl)
	}
	all := queue("tickets-all", "")
	urgent := queue("tickets-urgent", `{"severity": ["CRITICAL", "HIGH"]}`)

	s := NewSNS("sns", "", snsc, aws.ToString(topic.TopicArn))
	high := NewTicket(sample(t, "remediation-failed.json"), Options{}) // cmk: HIGH
	lowEvent := sample(t, "needs-attention.json")
	lowEvent.Detail.Check = "required-tags"
	low := NewTicket(lowEvent, Options{})
	if _, err := s.Open(ctx, "", high); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(ctx, "published", low); err != nil {
		t.Fatal(err)
	}

	receive := func(url string) []snsEnvelope {
		out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		var envs []snsEnvelope
		for _, m := range out.Messages {
			var e snsEnvelope
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &e); err != nil {
				t.Fatalf("body %s: %v", aws.ToString(m.Body), err)
			}
			envs = append(envs, e)
		}
		sort.Slice(envs, func(i, j int) bool { return envs[i].Subject < envs[j].Subject })
		return envs
	}
	got := receive(all)
	if len(got) != 2 {
		t.Fatalf("all: %d messages, want 2", len(got))
	}
	open, resolved := got[1], got[0] // "Resolved: ..." sorts first
	if open.Subject != snsSubject(high.Title()) || !strings.Contains(open.Message, "## How to fix") || open.TopicArn != aws.ToString(topic.TopicArn) {
		t.Errorf("open message %+v", open)
	}
	for k, want := range map[string]string{"severity": "HIGH", "check": "cmk", "action": "open", "secretArn": high.SecretARN, "accountId": "111122223333"} {
		if a := open.MessageAttributes[k]; a.Type != "String" || a.Value != want {
			t.Errorf("attribute %s = %+v, want %s", k, a, want)
		}
	}
	if !strings.HasPrefix(resolved.Subject, "Resolved: ") || resolved.MessageAttributes["severity"].Value != "LOW" || resolved.MessageAttributes["action"].Value != "resolve" {
		t.Errorf("resolve message %+v", resolved)
	}
	if u := receive(urgent); len(u) != 1 || u[0].MessageAttributes["check"].Value != "cmk" {
		t.Errorf("filtered queue got %+v, want only the HIGH one", u)
	}
}

func TestSNSSubject(t *testing.T) {
	long := strings.Repeat("x", 150) + "é\n"
	if s := snsSubject(long); len(s) != 99 || !strings.HasSuffix(s, "...") {
		t.Errorf("snsSubject = %q", s)
	}
	if s := snsSubject("a — b é\n"); s != "a - b ??" {
		t.Errorf("snsSubject = %q", s)
	}
}
