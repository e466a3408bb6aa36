package accessdenied

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/tickets"
)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "accesswatch", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSamples(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "accesswatch", "*.json"))
	want := map[string]string{ // file -> secret ARN, "" = not a denial
		"get-secret-value-denied.json":    "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments/stripe-key",
		"batch-cross-account-denied.json": "arn:aws:secretsmanager:us-east-1:111122223333:secret:shared/api-key-AbCdEf",
		"get-secret-value-ok.json":        "",
		"describe-denied.json":            "",
		"malformed-not-json.json":         "malformed",
		"malformed-not-cloudtrail.json":   "malformed",
	}
	if len(files) != len(want) {
		t.Fatalf("%d samples, %d expectations", len(files), len(want))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			d, err := Parse(sample(t, name))
			if want[name] == "malformed" {
				if err == nil || errors.Is(err, ErrNotDenial) {
					t.Fatalf("Parse = %+v, %v; want an error naming what is wrong", d, err)
				}
				return
			}
			if want[name] == "" {
				if !errors.Is(err, ErrNotDenial) {
					t.Fatalf("Parse = %+v, %v; want ErrNotDenial", d, err)
				}
				return
			}
			if err != nil || d.SecretARN != want[name] {
				t.Fatalf("Parse = %+v, %v", d, err)
			}
		})
	}
	d, _ := Parse(sample(t, "get-secret-value-denied.json"))
	if d.Caller.ARN != "arn:aws:sts::123456789012:assumed-role/orders-api/i-0abc" || d.Caller.Type != "AssumedRole" || d.Caller.SourceIP != "10.0.3.7" ||
		d.Caller.ErrorCode != "AccessDenied" || d.AccountID != "123456789012" || d.Partition != "aws" || d.SecretID != "prod/payments/stripe-key" {
		t.Errorf("denial %+v", d)
	}
	x, _ := Parse(sample(t, "batch-cross-account-denied.json"))
	if x.AccountID != "111122223333" || x.Caller.AccountID != "444455556666" || x.CallerKey() != "444455556666|AIDAEXAMPLEOTHER" {
		t.Errorf("cross-account denial %+v key %s", x, x.CallerKey())
	}
}

func TestParseRejects(t *testing.T) {
	for name, payload := range map[string]string{
		"not json":       `{`,
		"not cloudtrail": `{"detail-type":"Secret Remediated","detail":{}}`,
		"bad record":     `{"detail-type":"AWS API Call via CloudTrail","detail":[]}`,
	} {
		if _, err := Parse([]byte(payload)); err == nil || errors.Is(err, ErrNotDenial) {
			t.Errorf("%s: err %v, want a parse error", name, err)
		}
	}
	for name, detail := range map[string]string{
		"other service": `{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","errorCode":"AccessDenied"}`,
		"throttled":     `{"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","errorCode":"ThrottlingException","requestParameters":{"secretId":"x"}}`,
		"no secret":     `{"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","errorCode":"AccessDenied","awsRegion":"us-east-1","recipientAccountId":"123456789012"}`,
	} {
		if _, err := Parse([]byte(`{"detail-type":"AWS API Call via CloudTrail","detail":` + detail + `}`)); !errors.Is(err, ErrNotDenial) {
			t.Errorf("%s: err %v, want ErrNotDenial", name, err)
		}
	}
	huge := `{"detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue","errorCode":"AccessDenied","awsRegion":"us-east-1","recipientAccountId":"123456789012","userAgent":"` +
		strings.Repeat("x", 100000) + `","requestParameters":{"secretId":"s"}}}`
	if d, err := Parse([]byte(huge)); err != nil || len(d.Caller.UserAgent) != maxField {
		t.Errorf("huge field: %v, %d bytes kept", err, len(d.Caller.UserAgent))
	}
}

// TestDetailReachesTheNotifier: the detail is a valid secretguard event for
// the notifier's parser, keyed (secret, access-denied), a ticket that
// opens (not passing), HIGH, naming the caller.
func TestDetailReachesTheNotifier(t *testing.T) {
	d, _ := Parse(sample(t, "get-secret-value-denied.json"))
	detail := d.Detail(3)
	body, _ := json.Marshal(map[string]any{"version": "0", "id": "x", "detail-type": outcome.TypeAccessDenied, "source": outcome.Source,
		"account": "123456789012", "time": detail.Time, "region": "us-east-1", "resources": []string{detail.SecretARN}, "detail": detail})
	e, err := tickets.ParseEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	k := tickets.KeyOf(e.DetailType, e.Detail)
	if k.Check != outcome.CheckAccessDenied || tickets.Passing(e.DetailType, e.Detail) || tickets.SeverityOf(k) != outcome.SeverityHigh {
		t.Errorf("key %+v passing %v severity %s", k, tickets.Passing(e.DetailType, e.Detail), tickets.SeverityOf(k))
	}
	tk := tickets.NewTicket(e, tickets.Options{})
	text := tk.Doc(tickets.ActionOpen).Text()
	for _, want := range []string{"GetSecretValue denied (AccessDenied) to arn:aws:sts::123456789012:assumed-role/orders-api/i-0abc (AssumedRole) from 10.0.3.7.",
		"3 more refusals of this caller", "prod/payments/stripe-key", tickets.WhyItMatters(outcome.CheckAccessDenied)} {
		if !strings.Contains(text, want) {
			t.Errorf("ticket lacks %q:\n%s", want, text)
		}
	}
	if detail.Caller == nil || detail.Caller.Suppressed != 3 || len(detail.Annotation) > 256 {
		t.Errorf("detail %+v", detail)
	}
	if again := d.Detail(3); again.ID != detail.ID {
		t.Error("the detail ID is not stable for one CloudTrail event")
	}
}

func TestMemoryThrottle(t *testing.T) {
	m := &MemoryThrottle{Window: time.Hour}
	t0 := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	ctx := context.Background()
	steps := []struct {
		key, event string
		at         time.Duration
		ok         bool
		suppressed int
	}{
		{"a", "e1", 0, true, 0},
		{"a", "e2", time.Minute, false, 0},
		{"a", "e1", 2 * time.Minute, true, 1}, // the retried first event
		{"a", "e3", 3 * time.Minute, false, 0},
		{"b", "e4", 3 * time.Minute, true, 0},
		{"a", "e5", 70 * time.Minute, true, 1},
	}
	for i, s := range steps {
		ok, n, err := m.Admit(ctx, s.key, s.event, t0.Add(s.at))
		if err != nil || ok != s.ok || n != s.suppressed {
			t.Errorf("step %d: %v %d %v, want %v %d", i, ok, n, err, s.ok, s.suppressed)
		}
	}
}

type fakeEvents struct {
	mu   sync.Mutex
	in   []*eventbridge.PutEventsInput
	fail error
}

func (f *fakeEvents) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.in = append(f.in, in)
	if f.fail != nil {
		return nil, f.fail
	}
	return &eventbridge.PutEventsOutput{}, nil
}

func TestWatcherThrottlesPerCaller(t *testing.T) {
	ev := &fakeEvents{}
	now := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	w := &Watcher{Events: ev, EventBus: "secretguard", Throttle: &MemoryThrottle{}, Now: func() time.Time { return now }}
	ctx := context.Background()
	denied := sample(t, "get-secret-value-denied.json")
	if r, err := w.Handle(ctx, denied); err != nil || !r.Sent {
		t.Fatalf("first: %+v, %v", r, err)
	}
	for i := range 50 { // a retry loop of the same caller: other CloudTrail events
		again := strings.Replace(string(denied), "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "loop-"+string(rune('a'+i%26))+strings.Repeat("x", i), 1)
		if r, err := w.Handle(ctx, []byte(again)); err != nil || !r.Throttled {
			t.Fatalf("repeat %d: %+v, %v", i, r, err)
		}
	}
	if r, err := w.Handle(ctx, sample(t, "batch-cross-account-denied.json")); err != nil || !r.Sent {
		t.Errorf("another caller: %+v, %v", r, err)
	}
	if r, err := w.Handle(ctx, sample(t, "get-secret-value-ok.json")); err != nil || r.Skipped == "" || r.Sent {
		t.Errorf("a read that succeeded: %+v, %v", r, err)
	}
	now = now.Add(61 * time.Minute)
	later := strings.Replace(string(denied), "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", "later", 1)
	r, err := w.Handle(ctx, []byte(later))
	if err != nil || !r.Sent || r.Suppressed != 50 {
		t.Errorf("after the window: %+v, %v", r, err)
	}
	if len(ev.in) != 3 {
		t.Fatalf("%d PutEvents, want 3", len(ev.in))
	}
	e := ev.in[0].Entries[0]
	if aws.ToString(e.Source) != outcome.Source || aws.ToString(e.DetailType) != outcome.TypeAccessDenied || aws.ToString(e.EventBusName) != "secretguard" ||
		e.Resources[0] != "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments/stripe-key" {
		t.Errorf("entry %+v", e)
	}

	// A failed PutEvents fails the invocation; its retry is not throttled.
	ev.fail = errors.New("boom")
	fresh := strings.Replace(string(sample(t, "batch-cross-account-denied.json")), "AIDAEXAMPLEOTHER", "AIDANEWCALLER", 1)
	if _, err := w.Handle(ctx, []byte(fresh)); err == nil {
		t.Fatal("PutEvents failure not reported")
	}
	ev.fail = nil
	if r, err := w.Handle(ctx, []byte(fresh)); err != nil || !r.Sent {
		t.Errorf("retry after a failed PutEvents: %+v, %v", r, err)
	}
	if _, err := w.Handle(ctx, []byte(`{`)); err == nil {
		t.Error("a malformed payload is not an error")
	}
}
