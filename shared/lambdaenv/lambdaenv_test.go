package lambdaenv_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/lambdaenv"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
)

// env is an Env over a map, as tests pass to a function's setup.
func env(m map[string]string) lambdaenv.Env { return func(k string) string { return m[k] } }

func TestEnvOr(t *testing.T) {
	e := env(map[string]string{"SET": "v", "EMPTY": ""})
	for name, want := range map[string]string{"SET": "v", "EMPTY": "def", "UNSET": "def"} {
		if got := e.Or(name, "def"); got != want {
			t.Errorf("Or(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestEnvPositiveInt(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int
		err   string
	}{
		{"", 20, ""},
		{"1", 1, ""},
		{"250", 250, ""},
		{"0", 0, `N="0": want a whole number >= 1`},
		{"-3", 0, `N="-3"`},
		{"ten", 0, `N="ten"`},
	} {
		got, err := env(map[string]string{"N": tc.value}).PositiveInt("N", 20)
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("PositiveInt with N=%q: %d, %v; want %d, %q", tc.value, got, err, tc.want, tc.err)
		}
	}
}

func TestLoad(t *testing.T) {
	awsfix.IsolateEnv(t, "", "AKIDEXAMPLE", "")
	cfg, b, err := lambdaenv.Load(t.Context(), env(map[string]string{"AWS_REGION": "eu-west-1"}), awsenv.Options{})
	if err != nil || cfg.Region != "eu-west-1" || b == nil {
		t.Fatalf("Load: %v, region %q, baseline %v", err, cfg.Region, b)
	}
	if _, _, err := lambdaenv.Load(t.Context(), env(nil), awsenv.Options{}); !errors.Is(err, awsenv.ErrNoRegion) {
		t.Errorf("without AWS_REGION: %v, want ErrNoRegion", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	if _, _, err := lambdaenv.Load(t.Context(), env(map[string]string{"AWS_REGION": "eu-west-1", "BASELINE": missing}), awsenv.Options{}); err == nil || !strings.Contains(err.Error(), "baseline") {
		t.Errorf("missing baseline file: %v", err)
	}
}

// TestRawPassesEveryPayload: a payload that is not JSON reaches the
// handler unchanged (the runtime's own decoding would refuse it with
// "unexpected EOF"), and the handler's result comes back as JSON.
func TestRawPassesEveryPayload(t *testing.T) {
	var seen []string
	h := lambdaenv.Raw(func(_ context.Context, p json.RawMessage) (map[string]string, error) {
		seen = append(seen, string(p))
		if !json.Valid(p) {
			return nil, errors.New("payload is not JSON")
		}
		return map[string]string{"ok": "yes"}, nil
	})
	if _, err := h.Invoke(context.Background(), []byte(`{"secretId": "x"`)); err == nil || err.Error() != "payload is not JSON" {
		t.Errorf("truncated payload: %v, want the handler's own error", err)
	}
	out, err := h.Invoke(context.Background(), []byte(`{}`))
	if err != nil || string(out) != `{"ok":"yes"}` {
		t.Errorf("result %s, %v", out, err)
	}
	if len(seen) != 2 || seen[0] != `{"secretId": "x"` {
		t.Errorf("handler saw %q", seen)
	}
}
