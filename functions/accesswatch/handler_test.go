package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/secretguard/secretguard/shared/accessdenied"
	"github.com/secretguard/secretguard/shared/lambdaenv"
)

func env(m map[string]string) lambdaenv.Env { return func(k string) string { return m[k] } }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestSetup(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	for name, tc := range map[string]struct {
		env  map[string]string
		err  string
		kind string
	}{
		"no bus":      {env: map[string]string{"AWS_REGION": "us-east-1"}, err: "EVENT_BUS_NAME must be set"},
		"bad window":  {env: map[string]string{"AWS_REGION": "us-east-1", "EVENT_BUS_NAME": "b", "THROTTLE_MINUTES": "0"}, err: "THROTTLE_MINUTES"},
		"table":       {env: map[string]string{"AWS_REGION": "us-east-1", "EVENT_BUS_NAME": "b", "TABLE_NAME": "t"}, kind: "*accessdenied.TableThrottle"},
		"memory only": {env: map[string]string{"AWS_REGION": "us-east-1", "EVENT_BUS_NAME": "b"}, kind: "*accessdenied.MemoryThrottle"},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := setup(context.Background(), env(tc.env), quiet)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(h.Watcher.Throttle); got != tc.kind || h.Watcher.EventBus != "b" {
				t.Errorf("throttle %s, bus %q", got, h.Watcher.EventBus)
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *accessdenied.TableThrottle:
		return "*accessdenied.TableThrottle"
	case *accessdenied.MemoryThrottle:
		return "*accessdenied.MemoryThrottle"
	}
	return "?"
}

type recorder struct{ n int }

func (r *recorder) PutEvents(context.Context, *eventbridge.PutEventsInput, ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	r.n++
	return &eventbridge.PutEventsOutput{}, nil
}

func TestHandleSamples(t *testing.T) {
	rec := &recorder{}
	h := &Handler{Watcher: &accessdenied.Watcher{Events: rec, EventBus: "b", Throttle: &accessdenied.MemoryThrottle{}, Log: quiet}}
	files, _ := filepath.Glob(filepath.Join("..", "..", "events", "accesswatch", "*.json"))
	sent := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := h.Handle(context.Background(), json.RawMessage(b))
		if malformed := strings.HasPrefix(filepath.Base(f), "malformed-"); malformed != (err != nil) {
			t.Fatalf("%s: error %v", f, err)
		}
		if r.Sent {
			sent++
		}
		if (strings.Contains(f, "-denied") && !strings.Contains(f, "describe")) != r.Sent {
			t.Errorf("%s: %+v", filepath.Base(f), r)
		}
	}
	if sent != 2 || rec.n != 2 {
		t.Errorf("sent %d, PutEvents %d; want 2", sent, rec.n)
	}
}
