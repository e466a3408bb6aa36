package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/secretguard/secretguard/shared/testutil/awsfix"
)

// fakeSM answers Secrets Manager calls in the awsJson1.1 shape: responses
// maps an operation (the X-Amz-Target suffix) to a status and body; an error
// body's __type becomes X-Amzn-ErrorType too. It records the operations it
// received.
type fakeSM struct {
	t         *testing.T
	responses map[string]fakeSMResponse
	mu        sync.Mutex
	ops       []string
}

type fakeSMResponse struct {
	status int
	body   string
}

func smError(code, msg string) fakeSMResponse {
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	return fakeSMResponse{http.StatusBadRequest, string(b)}
}

func (f *fakeSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	target := r.Header.Get("X-Amz-Target")
	op := strings.TrimPrefix(target, "secretsmanager.")
	f.mu.Lock()
	f.ops = append(f.ops, op)
	f.mu.Unlock()
	res, ok := f.responses[op]
	if !ok || !strings.HasPrefix(target, "secretsmanager.") {
		f.t.Errorf("fake AWS: unexpected call %q", target)
		res = smError("InternalFailure", "unexpected call")
		res.status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if res.status != http.StatusOK {
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal([]byte(res.body), &e)
		w.Header().Set("X-Amzn-ErrorType", e.Type)
	}
	w.WriteHeader(res.status)
	_, _ = io.WriteString(w, res.body)
}

func (f *fakeSM) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ops...)
}

func startFakeSM(t *testing.T, responses map[string]fakeSMResponse) (*fakeSM, string) {
	f := &fakeSM{t: t, responses: responses}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func TestScanErrors(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/x@y-AbCdEf"
	listOne := fakeSMResponse{http.StatusOK, `{"SecretList":[{"ARN":"` + arn + `","Name":"app/x@y","CreatedDate":1.7e9,"Tags":[{"Key":"owner","Value":"a"}]}]}`}
	tests := []struct {
		name      string
		responses map[string]fakeSMResponse
		keyID     string // "" for no credentials
		region    string
		args      []string
		code      int
		stderr    []string
		ops       []string // the calls the fake must have seen
	}{
		{
			name:      "missing permission named by AWS",
			responses: map[string]fakeSMResponse{"ListSecrets": smError("AccessDeniedException", "User: arn:aws:sts::111122223333:assumed-role/ro/me is not authorized to perform: secretsmanager:ListSecrets because no identity-based policy allows the secretsmanager:ListSecrets action")},
			keyID:     "testing", region: "us-east-1",
			args:   []string{"scan", "--scope", "secrets"},
			code:   exitError,
			stderr: []string{"secretguard: scan us-east-1: missing permission secretsmanager:ListSecrets (AccessDeniedException)"},
			ops:    []string{"ListSecrets"},
		},
		{
			name:      "missing permission, message without the action",
			responses: map[string]fakeSMResponse{"ListSecrets": smError("AccessDeniedException", "Access denied")},
			keyID:     "testing", region: "eu-west-1",
			args:   []string{"scan", "--scope", "secrets", "--output", "json"},
			code:   exitError,
			stderr: []string{"secretguard: scan eu-west-1: missing permission secretsmanager:ListSecrets (AccessDeniedException)"},
			ops:    []string{"ListSecrets"},
		},
		{
			name:      "credentials rejected",
			responses: map[string]fakeSMResponse{"ListSecrets": smError("UnrecognizedClientException", "The security token included in the request is invalid.")},
			keyID:     "testing", region: "us-east-1",
			args:   []string{"scan", "--scope", "secrets"},
			code:   exitError,
			stderr: []string{"AWS rejected the credentials (UnrecognizedClientException)", "aws sso login"},
			ops:    []string{"ListSecrets"},
		},
		{
			name:   "no credentials",
			region: "us-east-1",
			args:   []string{"scan", "--scope", "secrets"},
			code:   exitError,
			stderr: []string{"secretguard: scan us-east-1: no usable AWS credentials", "AWS_PROFILE", "aws sso login", "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"},
		},
		{
			name:   "no Region",
			keyID:  "testing",
			args:   []string{"scan", "--scope", "secrets"},
			code:   exitError,
			stderr: []string{"secretguard: no AWS Region: set --region or AWS_REGION"},
		},
		{
			// A GetResourcePolicy the caller may not make leaves the
			// policy check not applicable: exit 4, not 0 and not 3.
			name: "policy unreadable",
			responses: map[string]fakeSMResponse{
				"ListSecrets":       listOne,
				"GetResourcePolicy": smError("AccessDeniedException", "Access denied"),
			},
			keyID: "testing", region: "us-east-1",
			args:   []string{"scan", "--scope", "secrets", "--check", "no-public-policy", "--output", "json"},
			code:   exitIncomplete,
			stderr: []string{"1 secret: 0 compliant, 0 non-compliant, 1 not applicable results, 1 not fully evaluated"},
			ops:    []string{"ListSecrets", "GetResourcePolicy"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, url := startFakeSM(t, tt.responses)
			awsfix.IsolateEnv(t, url, tt.keyID, tt.region)
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if got := strings.Join(fake.calls(), ","); got != strings.Join(tt.ops, ",") {
				t.Errorf("calls %q, want %q", got, strings.Join(tt.ops, ","))
			}
			if tt.code == exitError && stdout != "" {
				t.Errorf("stdout on error: %q", stdout)
			}
			if tt.code == exitIncomplete {
				lines := jsonLines(t, stdout)
				if len(lines) != 1 || lines[0]["compliance"] != "NOT_APPLICABLE" || lines[0]["incomplete"] != true ||
					!strings.Contains(lines[0]["annotation"].(string), "missing permission secretsmanager:GetResourcePolicy") {
					t.Errorf("results %v", lines)
				}
			}
		})
	}
}

func TestScanBadBaseline(t *testing.T) {
	fake, url := startFakeSM(t, nil) // no call may reach AWS
	awsfix.IsolateEnv(t, url, "testing", "us-east-1")
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name   string
		file   string
		stderr []string
	}{
		{"unknown field", write("unknown.yaml", "version: 1\nrotatedRecentlyDays: 30\n"),
			[]string{"unknown.yaml: line 2", `unknown field "rotatedRecentlyDays"`}},
		{"bad value", write("bad.yaml", "version: 1\norganization:\n  id: acme\nunused: {days: 99999}\n"),
			[]string{"organization.id: must be empty or an organization ID", `got "acme"`, "unused.days"}},
		{"unknown check", write("check.yaml", "version: 1\nchecks:\n  rotation: {mode: ticket}\n"),
			[]string{`checks.rotation: unknown check ID "rotation"`}},
		{"bad mode", write("mode.yaml", "version: 1\nchecks:\n  cmk: {mode: fix}\n"),
			[]string{"checks.cmk.mode: must be report, ticket or remediate", `got "fix"`}},
		{"missing file", filepath.Join(dir, "nope.yaml"),
			[]string{"baseline: cannot read baseline file", "nope.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "scan", "--baseline", tt.file)
			if code != exitError || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, stdout, exitError)
			}
			if !strings.HasPrefix(stderr, "secretguard: baseline: ") {
				t.Errorf("stderr %q does not start with the baseline error", stderr)
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
	if calls := fake.calls(); len(calls) != 0 {
		t.Errorf("a bad baseline still called AWS: %v", calls)
	}
}
