package lambdaenv_test

import (
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
