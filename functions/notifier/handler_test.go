package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/tickets"
)

const eventsDir = "../../events/notifier"

func TestMain(m *testing.M) {
	if os.Getenv("NOTIFIER_RUN_MAIN") == "1" {
		main() // for TestInitFailure: exits
		return
	}
	os.Exit(motoserver.Main(m))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeApplier records the events it is given; it fails those whose
// detail.id is in fail.
type fakeApplier struct {
	mu   sync.Mutex
	got  []*tickets.Event
	fail map[string]error
}

func (f *fakeApplier) Handle(_ context.Context, e *tickets.Event) (tickets.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, e)
	if err := f.fail[e.Detail.ID]; err != nil {
		return tickets.Result{Outcome: tickets.OutcomeFailed}, err
	}
	return tickets.Result{Outcome: tickets.OutcomeOpened, Key: tickets.KeyOf(e.DetailType, e.Detail), Sinks: map[string]string{"ops": "open"}}, nil
}

// TestEverySampleDecodes feeds every file in events/notifier to the handler.
func TestEverySampleDecodes(t *testing.T) {
	entries, err := os.ReadDir(eventsDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			f := &fakeApplier{}
			h := &Handler{Tracker: f}
			out, err := h.Handle(ctxT(t), readSample(t, name))
			switch {
			case name == "sqs-batch.json":
				resp, ok := out.(events.SQSEventResponse)
				if err != nil || !ok || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2e1424d4-f796-459a-8184-9c92662be6da" {
					t.Fatalf("batch: %+v, %v", out, err)
				}
				if len(f.got) != 2 || f.got[0].DetailType != outcome.TypeFailed || f.got[1].DetailType != outcome.TypeCompliant {
					t.Errorf("applied %d events", len(f.got))
				}
			case strings.HasPrefix(name, "malformed-"):
				if !errors.Is(err, tickets.ErrInvalidEvent) || len(f.got) != 0 {
					t.Fatalf("malformed: %v (applied %d)", err, len(f.got))
				}
			default:
				sum, ok := out.(Summary)
				if err != nil || !ok || len(f.got) != 1 || sum.EventID != f.got[0].Detail.ID || sum.Outcome != tickets.OutcomeOpened {
					t.Fatalf("Handle = %+v, %v", out, err)
				}
			}
		})
	}
	if n < 11 {
		t.Errorf("only %d samples", n)
	}
}

func TestFailuresAreReturned(t *testing.T) {
	busy := &fakeApplier{fail: map[string]error{"cmp-20260305-0005": tickets.ErrBusy}}
	var logs strings.Builder
	h := &Handler{Tracker: busy, Log: jsonLogger(&logs)}

	// EventBridge (async invoke): an error, so Lambda retries, then DLQ.
	if _, err := h.Handle(ctxT(t), readSample(t, "compliant.json")); !errors.Is(err, tickets.ErrBusy) {
		t.Fatalf("EventBridge: %v, want ErrBusy", err)
	}
	// SQS: the failed record (and the malformed one) come back for redrive.
	out, err := h.Handle(ctxT(t), readSample(t, "sqs-batch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range out.(events.SQSEventResponse).BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	if want := []string{"2e1424d4-f796-459a-8184-9c92662be6da", "7b1d8f0e-3c2a-4d5e-9f6a-1b2c3d4e5f60"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("batchItemFailures %v, want %v", ids, want)
	}
	// Every log line is JSON; none carries the sample's fix command (the
	// handler logs IDs and outcomes, not content).
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not a JSON log line: %s", line)
		}
		if strings.Contains(line, "update-secret") {
			t.Errorf("log line carries ticket content: %s", line)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"event not applied"`) || !strings.Contains(logs.String(), `"busy":true`) || !strings.Contains(logs.String(), `"msg":"rejected event"`) {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func TestSQSBatchOutOfTime(t *testing.T) {
	f := &fakeApplier{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := (&Handler{Tracker: f}).Handle(ctx, readSample(t, "sqs-batch.json"))
	if err != nil || len(out.(events.SQSEventResponse).BatchItemFailures) != 3 || len(f.got) != 0 {
		t.Fatalf("%+v, %v", out, err)
	}
}
