package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/configrule"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/revoke"
	"github.com/secretguard/secretguard/shared/tickets"
)

// RuleName is the Config rule of a check.
func RuleName(check string) string { return "secretguard-" + check }

// Sweep runs the evaluator once per check, as each rule's periodic
// trigger does (a ScheduledNotification built from
// events/config/scheduled.json with ruleParameters {"check": id}), and
// returns the results and the verdicts the recorder then holds.
func (l *Lab) Sweep(ctx context.Context) ([]configrule.Result, Verdicts, error) {
	f, err := l.Function("evaluator")
	if err != nil {
		return nil, nil, err
	}
	raw, err := os.ReadFile(filepath.Join(l.Root, "events", "config", "scheduled.json"))
	if err != nil {
		return nil, nil, err
	}
	var results []configrule.Result
	for _, id := range checks.IDs() {
		ev, err := l.scheduledEvent(raw, id)
		if err != nil {
			return nil, nil, err
		}
		var res configrule.Result
		if _, err := f.InvokeJSON(ctx, ev, &res); err != nil {
			return nil, nil, fmt.Errorf("evaluator, check %s: %w", id, err)
		}
		results = append(results, res)
	}
	return results, l.Recorder.Verdicts(), nil
}

// scheduledEvent is the sample scheduled event for check's rule in the
// target's account, with a ResultToken from the recorder.
func (l *Lab) scheduledEvent(sample []byte, check string) (*configrule.Event, error) {
	var ev configrule.Event
	if err := json.Unmarshal(sample, &ev); err != nil {
		return nil, fmt.Errorf("events/config/scheduled.json: %w", err)
	}
	acct, rule := l.Target.Account, RuleName(check)
	inv, _ := json.Marshal(configrule.Scheduled{AccountID: acct, NotificationTime: time.Now().UTC(), RecordVersion: "1.0"})
	var m map[string]any
	_ = json.Unmarshal(inv, &m)
	m["messageType"] = configrule.MessageScheduled
	inv, _ = json.Marshal(m)
	params, _ := json.Marshal(map[string]string{"check": check})
	ev.InvokingEvent, ev.RuleParameters = string(inv), string(params)
	ev.ResultToken = l.Recorder.Token(rule)
	ev.ConfigRuleName, ev.ConfigRuleID, ev.AccountID = rule, "config-rule-"+check, acct
	ev.ConfigRuleARN = fmt.Sprintf("arn:aws:config:%s:%s:config-rule/config-rule-%s", Region, acct, check)
	return &ev, nil
}

// Drain receives every message on the notifier's queue (deleting them),
// until the queue has stayed empty for quiet.
func (l *Lab) Drain(ctx context.Context, quiet time.Duration) ([]events.SQSMessage, error) {
	q := sqs.NewFromConfig(l.Target.Config(Region))
	var out []events.SQSMessage
	emptySince := time.Now()
	for time.Since(emptySince) < quiet {
		r, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(l.Infra.QueueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
		if err != nil {
			return out, fmt.Errorf("drain the notifier's queue: %w", err)
		}
		if len(r.Messages) == 0 {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for _, m := range r.Messages {
			out = append(out, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
				Body: aws.ToString(m.Body), EventSource: "aws:sqs", EventSourceARN: l.Infra.QueueARN, AWSRegion: Region,
				Attributes: map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": strconv.FormatInt(time.Now().UnixMilli(), 10)}})
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(l.Infra.QueueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return out, fmt.Errorf("delete from the notifier's queue: %w", err)
			}
		}
		emptySince = time.Now()
	}
	return out, nil
}

// Outcomes decodes the secretguard events in drained messages.
func Outcomes(msgs []events.SQSMessage) ([]*tickets.Event, error) {
	var out []*tickets.Event
	for _, m := range msgs {
		e, err := tickets.ParseEvent([]byte(m.Body))
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", m.MessageId, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Notify feeds the messages to the notifier as SQS batches of ten, as its
// event source mapping would, and returns the IDs of the records it
// failed.
func (l *Lab) Notify(ctx context.Context, msgs []events.SQSMessage) ([]string, error) {
	f, err := l.Function("notifier")
	if err != nil {
		return nil, err
	}
	var failed []string
	for i := 0; i < len(msgs); i += 10 {
		batch := events.SQSEvent{Records: msgs[i:min(i+10, len(msgs))]}
		var resp events.SQSEventResponse
		if _, err := f.InvokeJSON(ctx, batch, &resp); err != nil {
			return failed, fmt.Errorf("notifier: %w", err)
		}
		for _, x := range resp.BatchItemFailures {
			failed = append(failed, x.ItemIdentifier)
		}
	}
	return failed, nil
}

// RevokeRequest is events/revoker/valid.json aimed at one seeded secret
// and the lab's break-glass role.
func (l *Lab) RevokeRequest(secretARN string) (revoke.Request, error) {
	var req revoke.Request
	b, err := os.ReadFile(filepath.Join(l.Root, "events", "revoker", "valid.json"))
	if err != nil {
		return req, err
	}
	if req, err = revoke.DecodeRequest(b, revoke.DefaultMaxSecrets); err != nil {
		return req, fmt.Errorf("events/revoker/valid.json: %w", err)
	}
	req.Secrets, req.BreakGlassRole = []string{secretARN}, l.Infra.BreakGlassRole
	return req, nil
}

// Revoke invokes the revoker with req and returns its report.
func (l *Lab) Revoke(ctx context.Context, req revoke.Request) (*revoke.Report, error) {
	f, err := l.Function("revoker")
	if err != nil {
		return nil, err
	}
	var rep revoke.Report
	if _, err := f.InvokeJSON(ctx, req, &rep); err != nil {
		return nil, fmt.Errorf("revoker: %w", err)
	}
	return &rep, nil
}

// Details returns the outcome details of events, for printing.
func Details(es []*tickets.Event) []*outcome.Detail {
	out := make([]*outcome.Detail, len(es))
	for i, e := range es {
		out[i] = e.Detail
	}
	return out
}
