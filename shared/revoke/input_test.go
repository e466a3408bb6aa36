package revoke

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
)

// malformed maps each events/revoker/malformed-* sample to what its error says.
var malformed = map[string]string{
	"malformed-bad-break-glass.json":  "breakGlassRole: \"arn:aws:iam::123456789012:user/alice\" is not an IAM role ARN",
	"malformed-bad-incident.json":     `incidentId "INC 42; drop": use 1-64 letters`,
	"malformed-bad-secret-id.json":    `service is "s3", want secretsmanager`,
	"malformed-missing-incident.json": "incidentId is required",
	"malformed-missing-reason.json":   "reason is required",
	"malformed-no-secrets.json":       "name the secrets",
	"malformed-not-json.json":         "not a revoke request",
	"malformed-secrets-and-tags.json": "give secrets or tagFilter, not both",
	"malformed-too-many-secrets.json": "21 secrets named; the cap is 20 per invocation",
	"malformed-unknown-field.json":    `unknown field "dryrun"`,
	"malformed-wrong-type.json":       "not a revoke request",
}

func TestSamplesDecode(t *testing.T) {
	files, err := filepath.Glob("../../events/revoker/*.json")
	if err != nil || len(files) < len(malformed)+3 {
		t.Fatalf("samples: %v %v", files, err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			req, err := DecodeRequest(data, 0)
			want, bad := malformed[name]
			switch {
			case bad && (err == nil || !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), want)):
				t.Errorf("error %v, want one containing %q", err, want)
			case !bad && strings.HasPrefix(name, "malformed-"):
				t.Errorf("no expectation for %s", name)
			case !bad && err != nil:
				t.Errorf("valid sample refused: %v", err)
			case !bad && (req.Reason == "" || req.IncidentID == "" || len(req.Secrets)+len(req.TagFilter) == 0):
				t.Errorf("decoded %+v", req)
			}
		})
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("prod/payments/db", origPolicy, true, map[string]string{"team": "payments"})
	e.secret("prod/payments/api", "", false, map[string]string{"team": "payments"})
	e.secret("prod/payments/web", "", false, map[string]string{"team": "payments"})
	ghostBaseline := baseline.Default()
	ghostBaseline.BreakGlassRoles = []string{"arn:${Partition}:iam::${AccountId}:role/ghost"}
	base := Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-60"}
	tests := []struct {
		name   string
		edit   func(*Request, *Runner)
		want   string
		notReq bool // not an ErrInvalidRequest
	}{
		{"unknown secret among good ones", func(r *Request, _ *Runner) { r.Secrets = append(r.Secrets, "prod/nope") }, "secret prod/nope not found in us-east-1", false},
		{"missing reason", func(r *Request, _ *Runner) { r.Reason = " " }, "reason is required", false},
		{"missing incident", func(r *Request, _ *Runner) { r.IncidentID = "" }, "incidentId is required", false},
		{"break-glass role does not exist", func(r *Request, _ *Runner) { r.BreakGlassRole = "arn:aws:iam::123456789012:role/ghost" },
			"breakGlassRole: role arn:aws:iam::123456789012:role/ghost does not exist (iam GetRole: NoSuchEntity)", false},
		{"break-glass role with a wrong path", func(r *Request, _ *Runner) { r.BreakGlassRole = "arn:aws:iam::123456789012:role/ops/break-glass" },
			"does not match the role's ARN arn:aws:iam::123456789012:role/break-glass", false},
		{"baseline break-glass role does not exist", func(_ *Request, rn *Runner) { rn.Baseline = ghostBaseline },
			"the baseline's breakGlassRoles: role arn:aws:iam::123456789012:role/ghost does not exist", false},
		{"tag filter past the cap", func(r *Request, rn *Runner) {
			r.Secrets, r.TagFilter, rn.MaxSecrets = nil, map[string]string{"team": "payments"}, 2
		},
			"more than 2 secrets carry the tags", false},
		{"tag filter matching nothing", func(r *Request, _ *Runner) { r.Secrets, r.TagFilter = nil, map[string]string{"team": "nobody"} },
			"no secret carries the tags", false},
		{"no state table", func(_ *Request, rn *Runner) { rn.Table = "" }, "not configured: the state table (TABLE_NAME)", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, r := base, e.runner(nil)
			req.Secrets = append([]string(nil), base.Secrets...)
			tc.edit(&req, r)
			rep, err := r.Run(e.ctx, req)
			if err == nil || rep != nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, ErrInvalidRequest) == tc.notReq {
				t.Fatalf("error %v (report %v), want one containing %q", err, rep != nil, tc.want)
			}
			if e.policy(arn) != origPolicy || e.itemCount() != 0 || len(e.events()) != 0 || len(e.fake.tokens()) != 0 {
				t.Error("a refused request changed something")
			}
		})
	}
}

func TestBusyLeaseRefused(t *testing.T) {
	e := newEnv(t)
	arn := e.secret("prod/payments/db", origPolicy, true, nil)
	other := &store{db: e.ddb, table: table, owner: "other-invocation", retention: time.Hour, now: time.Now}
	if err := other.acquire(e.ctx, "INC-61", arn, &stateItem{}, time.Now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, err := e.runner(nil).Run(e.ctx, Request{Secrets: []string{arn}, Reason: "leak", IncidentID: "INC-61"})
	if !errors.Is(err, ErrBusy) || e.policy(arn) != origPolicy {
		t.Fatalf("error %v; policy %s", err, e.policy(arn))
	}
}

func TestTagFilterRunsConcurrently(t *testing.T) {
	e := newEnv(t)
	var arns []string
	for _, n := range []string{"a", "b", "c"} {
		arns = append(arns, e.secret("prod/pay/"+n, origPolicy, true, map[string]string{"team": "payments", "environment": "prod"}))
	}
	e.secret("prod/pay/staging", origPolicy, true, map[string]string{"team": "payments", "environment": "staging"})
	e.secret("prod/other", origPolicy, true, map[string]string{"team": "prod", "environment": "payments"})
	rep, err := e.runner(nil).Run(e.ctx, Request{TagFilter: map[string]string{"team": "payments", "environment": "prod"},
		Reason: "CI runner compromised", IncidentID: "INC-62", KeepDeny: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Secrets) != 3 || !rep.OK {
		t.Fatalf("%d secrets: %s", len(rep.Secrets), rep.Summary)
	}
	for i, s := range rep.Secrets {
		if s.SecretARN != arns[i] || s.Status != StatusDenyKept || !strings.Contains(s.Headline, "keepDeny") {
			t.Errorf("%s: %s %s", s.SecretName, s.Status, s.Headline)
		}
		assertDeny(t, e.policy(arns[i]), "INC-62", motoCaller, rotRole)
	}
	if n := len(e.fake.tokens()); n != 3 {
		t.Errorf("%d rotations, want 3", n)
	}
	if !strings.Contains(rep.Summary, "Deny still in place on 3") || strings.Contains(rep.Summary, "fail closed") {
		t.Errorf("summary %q", rep.Summary)
	}
}
