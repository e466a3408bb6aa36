package lambdaenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
)

type handler struct{ name string }

// initWith runs Init with stdout and exit captured: what Init logged and
// the exit status (-1: it did not exit).
func initWith(t *testing.T, setup func(context.Context, Env, *slog.Logger) (*handler, error)) (h *handler, logged string, status int) {
	t.Helper()
	var out bytes.Buffer
	status = -1
	oldStdout, oldExit := stdout, exit
	stdout, exit = &out, func(code int) { status = code }
	t.Cleanup(func() { stdout, exit = oldStdout, oldExit })
	h = Init(setup)
	return h, out.String(), status
}

func TestInit(t *testing.T) {
	t.Setenv("LAMBDAENV_TEST", "from the environment")
	h, logged, status := initWith(t, func(ctx context.Context, env Env, log *slog.Logger) (*handler, error) {
		if ctx == nil || log == nil {
			t.Error("setup without a context or a logger")
		}
		log.Info("ready")
		return &handler{name: env("LAMBDAENV_TEST")}, nil
	})
	if h == nil || h.name != "from the environment" || status != -1 {
		t.Fatalf("handler %+v, exit %d", h, status)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(logged), &line); err != nil || line["msg"] != "ready" {
		t.Errorf("setup's log is not a JSON line on stdout: %q", logged)
	}
}

func TestInitFailure(t *testing.T) {
	_, logged, status := initWith(t, func(context.Context, Env, *slog.Logger) (*handler, error) {
		return nil, errors.New("TABLE_NAME is not set")
	})
	if status != 1 {
		t.Errorf("exit status %d, want 1", status)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(logged), &line); err != nil {
		t.Fatalf("stdout is not one JSON line: %q", logged)
	}
	if line["level"] != "ERROR" || line["msg"] != "init failed" || line["error"] != "TABLE_NAME is not set" {
		t.Errorf("line %v", line)
	}
}
