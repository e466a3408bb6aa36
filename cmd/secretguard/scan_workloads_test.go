package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/workloadtest"
)

const workloadBaseline = `
version: 1
classes: [{name: standard, maxRotationDays: 90}]
plaintext:
  allow: [{resource: "billing-*", variable: TEST_PASSWORD, reason: fixture}]
`

// TestScanWorkloadsMoto seeds functions, task definitions, parameters, a
// trail and VPCs into moto and checks the workload and account verdicts of
// secretguard scan --scope workloads, end to end. moto serves every API
// these checks read but CloudWatch: the SDK speaks the RPCv2 CBOR protocol
// to it, which moto 5.2 answers with 404, so the caching check is
// NOT_APPLICABLE and incomplete here (its verdicts are tested with fakes in
// shared/checks and shared/workload).
func TestScanWorkloadsMoto(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, primaryRegion)
	s := workloadtest.New(t, cfg, srv.Endpoint)
	leakPW := "Tr0ub4dor&3"
	leakURL := "postgres://app:" + "s3cr3t-Pw9@db.internal/orders"
	covered, bare := s.VPC("10.1.0.0/16"), s.VPC("10.2.0.0/16")
	s.Endpoint(covered, workload.EndpointServiceName("aws", primaryRegion), true)
	s.Function("orders-api", map[string]string{"DB_PASSWORD": leakPW, "LOG_LEVEL": "info"}, covered.Subnets, []string{covered.Group}, nil)
	s.Function("billing-job", map[string]string{"TEST_PASSWORD": leakPW}, bare.Subnets, []string{bare.Group}, nil)
	s.Function("clean", nil, nil, nil, map[string]string{"owner": "x"})
	td := s.TaskDefinition("web", []workloadtest.Container{{Name: "app", Env: map[string]string{"DATABASE_URL": leakURL}}}, nil)
	s.Parameter("/app/db/password", "String", "hunter2x")
	s.Parameter("/prod/db/master-password", "SecureString", "never-read-Xy9")
	s.Trail(workloadtest.Trail{Name: "main", MultiRegion: true, Logging: true,
		Selectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true)}}})
	file := writeBaseline(t, workloadBaseline)
	awsfix.MotoEnv(t, srv, primaryRegion)

	code, stdout, stderr := runCLI(t, "scan", "--scope", "workloads", "--output", "json", "--baseline", file)
	if code != exitNonCompliant {
		t.Fatalf("exit %d, want %d\nstderr: %s", code, exitNonCompliant, stderr)
	}
	for _, leak := range []string{leakPW, "s3cr3t", "hunter2x", "never-read"} {
		if strings.Contains(stdout+stderr, leak) {
			t.Fatalf("output carries a scanned value %q:\n%s", leak, stdout)
		}
	}
	type row struct {
		Type, ID, Name, Check, Compliance, Annotation, Fix, Remedy, SecretARN string
	}
	got := map[[2]string]row{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		str := func(k string) string { v, _ := m[k].(string); return v }
		r := row{Type: str("resourceType"), ID: str("resourceId"), Name: str("resourceName"), Check: str("check"), Compliance: str("compliance"),
			Annotation: str("annotation"), Fix: str("fix"), Remedy: str("remedy"), SecretARN: str("secretArn")}
		if r.SecretARN != "" || str("region") != primaryRegion || str("accountId") != motoserver.TestAccount || str("mode") == "" {
			t.Errorf("identity of %s", line)
		}
		got[[2]string{r.Name, r.Check}] = r
	}
	account := motoserver.TestAccount
	for _, w := range []struct {
		name, check string
		c           checks.Compliance
		has         []string
	}{
		{"orders-api", baseline.CheckNoPlaintextLambdaEnv, checks.NonCompliant, []string{"DB_PASSWORD (high-entropy"}},
		{"billing-job", baseline.CheckNoPlaintextLambdaEnv, checks.Compliant, []string{"1 environment variable, none"}},
		{"clean", baseline.CheckNoPlaintextLambdaEnv, checks.Compliant, []string{"No environment variables."}},
		{"web:1", baseline.CheckNoPlaintextECSEnv, checks.NonCompliant, []string{"app/DATABASE_URL (URL with a password)"}},
		{account, baseline.CheckNoPlaintextParams, checks.NonCompliant, []string{"/app/db/password (value under a credential-like name)"}},
		{account, baseline.CheckCloudTrailReads, checks.NonCompliant, []string{"main logs no management read events"}},
		{account, baseline.CheckVPCEndpoint, checks.NonCompliant, []string{"no com.amazonaws.us-east-1.secretsmanager endpoint in " + bare.VPC + " (billing-job)"}},
		{account, baseline.CheckCaching, checks.NotApplicable, []string{"The usage metrics could not be read", "GetMetricData"}},
	} {
		r, ok := got[[2]string{w.name, w.check}]
		if !ok {
			t.Errorf("no result for %s %s in:\n%s", w.name, w.check, stdout)
			continue
		}
		if checks.Compliance(r.Compliance) != w.c {
			t.Errorf("%s %s: %s, want %s: %s", w.name, w.check, r.Compliance, w.c, r.Annotation)
		}
		for _, h := range w.has {
			if !strings.Contains(r.Annotation, h) {
				t.Errorf("%s %s: annotation %q lacks %q", w.name, w.check, r.Annotation, h)
			}
		}
		if (w.c == checks.NonCompliant) != (r.Fix != "") {
			t.Errorf("%s %s: fix %q on a %s result", w.name, w.check, r.Fix, r.Compliance)
		}
	}
	if r := got[[2]string{"web:1", baseline.CheckNoPlaintextECSEnv}]; r.ID != td || r.Type != workload.TypeTaskDefinition {
		t.Errorf("task definition identity %+v", r)
	}
	if r := got[[2]string{account, baseline.CheckVPCEndpoint}]; r.Remedy != baseline.RemedyCreateVPCEndpoint || r.Type != workload.TypeAccount {
		t.Errorf("vpc-endpoint result %+v", r)
	}
	if len(got) != 3+1+4 {
		t.Errorf("%d results, want 8", len(got))
	}
	if !strings.Contains(stderr, "0 secrets, 5 workloads and accounts: 2 compliant, 5 non-compliant, 1 not applicable results, 1 not fully evaluated") {
		t.Errorf("summary:\n%s", stderr)
	}

	t.Run("one check, table", func(t *testing.T) {
		code, stdout, _ := runCLI(t, "scan", "--check", baseline.CheckNoPlaintextECSEnv, "--baseline", file)
		if code != exitNonCompliant || !strings.Contains(stdout, "web:1  (us-east-1, "+td+")") || strings.Contains(stdout, "orders-api") {
			t.Errorf("exit %d:\n%s", code, stdout)
		}
	})
	t.Run("scope and check disagree", func(t *testing.T) {
		code, _, stderr := runCLI(t, "scan", "--scope", "secrets", "--check", baseline.CheckCaching)
		if code != exitUsage || !strings.Contains(stderr, "--check caching is a workload or account check, outside --scope secrets") {
			t.Errorf("exit %d: %s", code, stderr)
		}
		code, _, stderr = runCLI(t, "scan", "--scope", "everything")
		if code != exitUsage || !strings.Contains(stderr, `--scope must be secrets, workloads or all, got "everything"`) {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
	t.Run("all scopes", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "scan", "--output", "json", "--baseline", file)
		if code != exitNonCompliant || strings.Count(stdout, "\n") != 8 || !strings.Contains(stderr, "0 secrets, 5 workloads and accounts") {
			t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
		}
	})
}
