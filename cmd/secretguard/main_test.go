package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

// cli runs the command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// jsonLines decodes scan --output json: one object per line. It fails the
// test on any line that is not exactly one JSON object or lacks a key of the
// contract.
func jsonLines(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if line == "" {
			if stdout == "" {
				break
			}
			t.Fatalf("line %d is empty", i+1)
		}
		dec := json.NewDecoder(strings.NewReader(line))
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		if dec.More() {
			t.Fatalf("line %d holds more than one JSON value: %s", i+1, line)
		}
		for _, k := range []string{"secretArn", "secretName", "region", "check", "compliance", "annotation"} {
			v, ok := m[k].(string)
			if !ok || (v == "" && k != "annotation") {
				t.Fatalf("line %d: key %q missing or not a non-empty string: %s", i+1, k, line)
			}
		}
		out = append(out, m)
	}
	return out
}

func TestUsage(t *testing.T) {
	awsfix.IsolateEnv(t, "http://127.0.0.1:1", "testing", "us-east-1")
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   string
		noStdout bool
	}{
		{name: "no command", args: nil, code: exitUsage, stderr: "Usage:", noStdout: true},
		{name: "help", args: []string{"help"}, code: exitOK, stdout: "secretguard scan"},
		{name: "unknown command", args: []string{"scna"}, code: exitUsage, stderr: `unknown command "scna"`, noStdout: true},
		{name: "scan -h", args: []string{"scan", "-h"}, code: exitOK, stderr: "Exit codes: 0 compliant, 3 non-compliant", noStdout: true},
		{name: "unknown flag", args: []string{"scan", "--regoin", "us-east-1"}, code: exitUsage, stderr: "flag provided but not defined: -regoin", noStdout: true},
		{name: "unknown check", args: []string{"scan", "--check", "cmk", "--check", "rotation"}, code: exitUsage,
			stderr: `secretguard: scan: --check: unknown check "rotation" (known: caching, cloudtrail-read-events, cmk, no-plaintext-ecs-env`, noStdout: true},
		{name: "bad output", args: []string{"scan", "--output", "yaml"}, code: exitUsage,
			stderr: `secretguard: scan: --output must be table or json, got "yaml"`, noStdout: true},
		{name: "stray argument", args: []string{"scan", "--region", "us-east-1", "prod"}, code: exitUsage,
			stderr: `secretguard: scan: unexpected argument "prod"`, noStdout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
			if !strings.Contains(stdout, tt.stdout) || (tt.noStdout && stdout != "") {
				t.Errorf("stdout %q, want it to contain %q (empty: %v)", stdout, tt.stdout, tt.noStdout)
			}
		})
	}
}
