package tickets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const eventsDir = "../../events/notifier"

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// readSample returns the bytes of a file in events/notifier.
func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sample parses a valid sample event.
func sample(t testing.TB, name string) *Event {
	t.Helper()
	e, err := ParseEvent(readSample(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// withID returns a copy of e with another detail ID, time and annotation.
func withID(e *Event, id string, at time.Time, annotation string) *Event {
	c := *e
	d := *e.Detail
	d.ID, d.Time, d.Annotation = id, at, annotation
	c.Detail = &d
	return &c
}

// newStore creates a fresh table on moto, shaped as the shared table.
func newStore(t *testing.T) (*Store, *dynamodb.Client) {
	t.Helper()
	srv := motoserver.Start(t)
	srv.Reset(t)
	db := dynamodb.NewFromConfig(srv.Config(t, "us-east-1"))
	ctx := ctxT(t)
	table := "secretguard"
	if err := ledger.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	return &Store{DB: db, Table: table, Retention: 30 * 24 * time.Hour}, db
}

// ddbClient is the concrete client behind a test Store.
type ddbClient = *dynamodb.Client

// getItem reads one raw item.
func getItem(t *testing.T, db *dynamodb.Client, pk, sk string) map[string]ddbtypes.AttributeValue {
	t.Helper()
	out, err := db.GetItem(ctxT(t), &dynamodb.GetItemInput{
		TableName: aws.String("secretguard"), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{"pk": attrS(pk), "sk": attrS(sk)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// call is one call a fakeSink received.
type call struct {
	Action Action
	Ref    string
	Event  string
	Check  string
}

// fakeSink records calls and hands out refs; failures can be injected.
type fakeSink struct {
	base
	mu     sync.Mutex
	calls  []call
	nextID int
	fail   map[Action]int // fail this many calls of an action
}

func newFake(name string, min outcome.Severity) *fakeSink {
	return &fakeSink{base: newBase(name, name, min), fail: map[Action]int{}}
}

func (f *fakeSink) record(a Action, ref string, t *Ticket) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[a] > 0 {
		f.fail[a]--
		return "", errors.New("injected failure")
	}
	f.calls = append(f.calls, call{Action: a, Ref: ref, Event: t.EventID, Check: t.Check})
	if a == ActionOpen {
		f.nextID++
		return fmt.Sprintf("%s-%d", f.name, f.nextID), nil
	}
	return ref, nil
}

func (f *fakeSink) Open(_ context.Context, prev string, t *Ticket) (string, error) {
	return f.record(ActionOpen, prev, t)
}
func (f *fakeSink) Update(_ context.Context, ref string, t *Ticket) (string, error) {
	return f.record(ActionUpdate, ref, t)
}
func (f *fakeSink) Resolve(_ context.Context, ref string, t *Ticket) (string, error) {
	return f.record(ActionResolve, ref, t)
}
func (f *fakeSink) Permissions() []Permission { return nil }

func (f *fakeSink) actions() []Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Action
	for _, c := range f.calls {
		out = append(out, c.Action)
	}
	return out
}
