package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	lambdasvc "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/revoke"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// revokeEnv points the CLI at endpoint with test credentials and no
// machine settings (awsfix.IsolateEnv), and no state table or bus.
func revokeEnv(t *testing.T, endpoint string) {
	t.Helper()
	awsfix.IsolateEnv(t, endpoint, "testing", "us-east-1")
	t.Setenv("TABLE_NAME", "")
	t.Setenv("EVENT_BUS_NAME", "")
}

func revokeCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, append([]string{"revoke"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRevokeUsage(t *testing.T) {
	revokeEnv(t, "http://127.0.0.1:1")
	ok := []string{"--secret", "prod/db", "--reason", "leak", "--incident", "INC-1"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no reason", []string{"--secret", "prod/db", "--incident", "INC-1"}, "reason is required"},
		{"no incident", []string{"--secret", "prod/db", "--reason", "leak"}, "incidentId is required"},
		{"no secrets", []string{"--reason", "leak", "--incident", "INC-1"}, "name the secrets"},
		{"secret and tag", append(ok, "--tag", "team=payments"), "not both"},
		{"bad tag", []string{"--tag", "team", "--reason", "leak", "--incident", "INC-1"}, "want KEY=VALUE"},
		{"bad output", append(ok, "--output", "yaml"), "--output must be table or json"},
		{"baseline with function", append(ok, "--function", "revoker", "--baseline", "b.yaml"), "--baseline applies to local runs"},
		{"bad break-glass", append(ok, "--break-glass-role", "alice"), "not an ARN"},
		{"stray argument", append(ok, "extra"), `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := revokeCLI(t, tc.args...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

func TestRevokeOnMoto(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	revokeEnv(t, srv.Endpoint)
	ctx := context.Background()
	cfg := srv.Config(t, "us-east-1")
	sm := secretsmanager.NewFromConfig(cfg)
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("prod/legacy"), SecretString: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	policy := func() string {
		out, err := sm.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: created.ARN})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ResourcePolicy)
	}

	// Dry run: exit 0, the first line says nothing changed, JSON decodes.
	code, stdout, stderr := revokeCLI(t, "--secret", "prod/legacy", "--reason", "drill", "--incident", "DRILL-1", "--dry-run")
	first, _, _ := strings.Cut(stdout, "\n")
	if code != exitOK || !strings.HasPrefix(first, "DRY RUN incident DRILL-1: 1 secret(s); nothing changed") ||
		!strings.Contains(stdout, "secretsmanager:PutResourcePolicy") || !strings.Contains(stdout, "-> dry-run") || policy() != "" {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = revokeCLI(t, "--secret", "prod/legacy", "--reason", "drill", "--incident", "DRILL-1", "--dry-run", "--output", "json")
	var rep revoke.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitOK || !rep.DryRun || len(rep.Secrets) != 1 {
		t.Fatalf("json: exit %d, %v\n%s", code, err, stdout)
	}

	// A real run needs the state table.
	if code, _, stderr = revokeCLI(t, "--secret", "prod/legacy", "--reason", "leak", "--incident", "INC-1"); code != exitError || !strings.Contains(stderr, "TABLE_NAME") {
		t.Fatalf("without TABLE_NAME: exit %d, %s", code, stderr)
	}
	ddb := dynamodb.NewFromConfig(cfg)
	if err := ledger.CreateTable(ctx, ddb, "state"); err != nil {
		t.Fatal(err)
	}
	if _, err := eventbridge.NewFromConfig(cfg).CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("sg")}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TABLE_NAME", "state")
	t.Setenv("EVENT_BUS_NAME", "sg")

	// No rotation configured: access is cut, the credential is not
	// replaced, exit 1, and the first line says so.
	code, stdout, stderr = revokeCLI(t, "--secret", "prod/legacy", "--reason", "leak", "--incident", "INC-1")
	first, _, _ = strings.Cut(stdout, "\n")
	if code != exitError || first != "FAILED incident INC-1: access cut on 1/1 secret(s), credential replaced on 0/1; Deny still in place on 1 (fail closed); 1 need a human to replace the credential" ||
		!strings.Contains(policy(), revoke.DenySid("INC-1")) {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

type fakeInvoker struct {
	in  *lambdasvc.InvokeInput
	out *lambdasvc.InvokeOutput
}

func (f *fakeInvoker) Invoke(_ context.Context, in *lambdasvc.InvokeInput, _ ...func(*lambdasvc.Options)) (*lambdasvc.InvokeOutput, error) {
	f.in = in
	return f.out, nil
}

func TestInvokeRevoker(t *testing.T) {
	req := revoke.Request{Secrets: []string{"prod/db"}, Reason: "leak", IncidentID: "INC-9", KeepDeny: true}
	f := &fakeInvoker{out: &lambdasvc.InvokeOutput{Payload: []byte(`{"summary":"OK incident INC-9: access cut on 1/1 secret(s), credential replaced on 1/1","ok":true}`)}}
	rep, err := invokeRevoker(context.Background(), f, "secretguard-revoker", req)
	var sent revoke.Request
	if err != nil || !rep.OK || json.Unmarshal(f.in.Payload, &sent) != nil || sent.IncidentID != "INC-9" || !sent.KeepDeny || aws.ToString(f.in.FunctionName) != "secretguard-revoker" {
		t.Fatalf("report %+v, err %v, sent %s", rep, err, f.in.Payload)
	}
	f.out = &lambdasvc.InvokeOutput{FunctionError: aws.String("Unhandled"), Payload: []byte(`{"errorMessage":"invalid revoke request: secret prod/db not found in us-east-1","errorType":"joinError"}`)}
	if _, err := invokeRevoker(context.Background(), f, "secretguard-revoker", req); err == nil || !strings.Contains(err.Error(), "refused: invalid revoke request: secret prod/db not found") {
		t.Errorf("function error: %v", err)
	}
}
