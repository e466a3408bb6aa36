package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// remediateBaseline fixes missing tags and public policies; the other
// checks keep the embedded baseline's modes.
const remediateBaseline = `
version: 1
organization: {id: o-a1b2c3d4e5}
defaultClass: standard
classes:
  - {name: standard, maxRotationDays: 90}
requiredTags:
  - {key: owner, default: platform}
  - {key: environment, default: dev}
checks:
  required-tags: {mode: remediate}
  no-public-policy: {mode: remediate}
`

const cliPublicPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

type remediateFixture struct {
	ctx      context.Context
	sm       *secretsmanager.Client
	arn      string
	baseline string
}

func newRemediateFixture(t *testing.T) *remediateFixture {
	t.Helper()
	srv := motoserver.Start(t)
	srv.Reset(t)
	awsfix.MotoEnv(t, srv, "us-east-1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cfg := srv.Config(t, "us-east-1")
	if err := ledger.CreateTable(ctx, dynamodb.NewFromConfig(cfg), "ledger"); err != nil {
		t.Fatal(err)
	}
	sm := secretsmanager.NewFromConfig(cfg)
	out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/cli"), SecretString: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: out.ARN, ResourcePolicy: aws.String(cliPublicPolicy)}); err != nil {
		t.Fatal(err)
	}
	return &remediateFixture{ctx: ctx, sm: sm, arn: aws.ToString(out.ARN), baseline: writeBaseline(t, remediateBaseline)}
}

func (f *remediateFixture) state(t *testing.T) (tags int, policy string) {
	t.Helper()
	d, err := f.sm.DescribeSecret(f.ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(f.arn)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.sm.GetResourcePolicy(f.ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(f.arn)})
	if err != nil {
		t.Fatal(err)
	}
	return len(d.Tags), aws.ToString(p.ResourcePolicy)
}

func withStdin(t *testing.T, answer string) {
	old := stdin
	stdin = strings.NewReader(answer)
	t.Cleanup(func() { stdin = old })
}

// TestRemediateHistoryUndo: preview, refuse, apply, list, undo, refuse a
// second undo — all through the CLI against moto.
func TestRemediateHistoryUndo(t *testing.T) {
	f := newRemediateFixture(t)
	code, out, errOut := runCLI(t, "remediate", "--secret", "app/cli", "--baseline", f.baseline, "--dry-run", "--output", "json")
	if code != exitNonCompliant || !strings.Contains(errOut, "no table") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	var res struct {
		Checks []struct{ Check, Outcome, Fix string } `json:"checks"`
	}
	if err := json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &res); err != nil {
		t.Fatal(err)
	}
	planned := map[string]string{}
	for _, c := range res.Checks {
		if c.Outcome == "planned" {
			planned[c.Check] = c.Fix
		}
	}
	if !strings.HasPrefix(planned["required-tags"], "aws secretsmanager tag-resource") || !strings.HasPrefix(planned["no-public-policy"], "aws secretsmanager put-resource-policy") {
		t.Errorf("planned %v", planned)
	}
	if tags, policy := f.state(t); tags != 0 || policy != cliPublicPolicy {
		t.Fatal("the dry run changed the secret")
	}

	withStdin(t, "n\n")
	if code, _, errOut := runCLI(t, "remediate", "--secret", "app/cli", "--baseline", f.baseline, "--table", "ledger"); code != exitError || !strings.Contains(errOut, "Apply 2 planned change(s)") {
		t.Fatalf("declined: exit %d\n%s", code, errOut)
	}
	if tags, _ := f.state(t); tags != 0 {
		t.Fatal("a declined run changed the secret")
	}

	code, out, errOut = runCLI(t, "remediate", "--secret", "app/cli", "--baseline", f.baseline, "--table", "ledger", "--yes")
	if code != exitNonCompliant || !strings.Contains(out, "REMEDIATED") || !strings.Contains(out, "applied: 1 secrets") {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if tags, policy := f.state(t); tags != 3 || !strings.Contains(policy, "aws:PrincipalOrgID") {
		t.Fatalf("after apply: %d tags, policy %s", tags, policy)
	}

	code, out, errOut = runCLI(t, "history", "app/cli", "--table", "ledger", "--output", "json")
	if code != exitOK {
		t.Fatalf("history: exit %d %s", code, errOut)
	}
	var tightenID string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e ledger.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		if e.Check == "no-public-policy" && e.Decision == "remediated" {
			tightenID = e.ID
		}
	}
	if tightenID == "" {
		t.Fatalf("no tighten-policy entry in\n%s", out)
	}
	if code, out, _ := runCLI(t, "history", "--table", "ledger", f.arn); code != exitOK || !strings.Contains(out, tightenID) || !strings.Contains(out, "required-tags") {
		t.Errorf("history table: exit %d\n%s", code, out)
	}

	if code, out, errOut := runCLI(t, "undo", tightenID, "--table", "ledger", "--yes"); code != exitOK || !strings.Contains(out, "undid "+tightenID) || !strings.Contains(out, "secretguard:waive:no-public-policy=") {
		t.Fatalf("undo: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, policy := f.state(t); policy != cliPublicPolicy {
		t.Errorf("policy after undo: %s", policy)
	}
	if code, _, errOut := runCLI(t, "undo", "--yes", "--table", "ledger", tightenID); code != exitError || !strings.Contains(errOut, "already undone") {
		t.Errorf("second undo: exit %d %s", code, errOut)
	}
}

func TestRemediateAllDryRun(t *testing.T) {
	f := newRemediateFixture(t)
	code, out, errOut := runCLI(t, "remediate", "--all", "--baseline", f.baseline, "--dry-run", "--check", "required-tags")
	if code != exitNonCompliant || !strings.Contains(out, "PLANNED") || !strings.Contains(out, "plan: 1 secrets: 1 planned") || strings.Contains(out, "no-public-policy") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestRemediateUsage(t *testing.T) {
	awsfix.IsolateEnv(t, "http://127.0.0.1:1", "testing", "us-east-1")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"remediate"}, "--secret, or use --all"},
		{[]string{"remediate", "--all", "--secret", "x"}, "--secret, or use --all"},
		{[]string{"remediate", "--all", "--output", "yaml"}, "table or json"},
		{[]string{"remediate", "--all", "--check", "nope"}, `unknown check "nope"`},
		{[]string{"history", "app/x"}, "--table or TABLE_NAME"},
		{[]string{"history", "--table", "t"}, "name the SECRET"},
		{[]string{"undo", "--table", "t"}, "name the REMEDIATION_ID"},
		{[]string{"undo", "rem-1", "extra", "--table", "t"}, `unexpected argument "extra"`},
	} {
		t.Setenv("TABLE_NAME", "")
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want usage error with %q", tc.args, code, errOut, tc.want)
		}
	}
}
