package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/dispatch"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/workload/workloadtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const (
	member    = "111122223333" // the member account of the samples, reached through moto's STS AssumeRole
	region    = "us-east-1"
	sampleDir = "../../events/workloads"
)

// fixture is the workloads function as main builds it (setup), on moto:
// the SDK finds moto through AWS_ENDPOINT_URL, as the lab's binaries do.
type fixture struct {
	h      *dispatch.Handler
	logs   *bytes.Buffer
	emf    *bytes.Buffer
	ctx    context.Context
	member aws.Config // the member account, through the spoke role
	seed   *workloadtest.Seeder
}

// newFixture starts from a clean moto with the ledger's table; dryRun is
// DRY_RUN.
func newFixture(t *testing.T, dryRun string) *fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	srv := motoserver.Start(t)
	srv.Reset(t)
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": srv.Endpoint, "AWS_ACCESS_KEY_ID": motoserver.TestAccessKeyID, "AWS_SECRET_ACCESS_KEY": motoserver.TestSecretAccessKey,
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	if err := ledger.CreateTable(ctx, dynamodb.NewFromConfig(srv.Config(t, region)), "secretguard"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{logs: &bytes.Buffer{}, emf: &bytes.Buffer{}, ctx: ctx}
	env := map[string]string{"TABLE_NAME": "secretguard", "AWS_REGION": region, "DRY_RUN": dryRun}
	h, err := setup(ctx, func(k string) string { return env[k] }, f.emf, slog.New(slog.NewJSONHandler(f.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f.h = h
	if f.member, err = h.Engine.Accounts.For(ctx, member, region, awsenv.SpokeRole(awsenv.DefaultSpokeRolePrefix, "workloads")); err != nil {
		t.Fatal(err)
	}
	f.seed = workloadtest.New(t, f.member, srv.Endpoint)
	return f
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSetup: the workloads function serves the workload and account
// checks with their observer and the create-vpc-endpoint remedy; DRY_RUN
// is the engine's preview.
func TestSetup(t *testing.T) {
	for v, preview := range map[string]bool{"": false, "true": true, "false": false} {
		env := map[string]string{"TABLE_NAME": "secretguard", "AWS_REGION": region, "DRY_RUN": v}
		h, err := setup(context.Background(), func(k string) string { return env[k] }, &bytes.Buffer{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("DRY_RUN=%q: %v", v, err)
		}
		var ids []string
		for _, r := range h.Engine.ResourceRemedies {
			ids = append(ids, r.ID())
		}
		if h.Serves != dispatch.ResourceChecks || h.Engine.NewWorkload == nil || len(ids) != 1 || ids[0] != "create-vpc-endpoint" || h.Engine.Preview != preview {
			t.Errorf("DRY_RUN=%q: serves %v, observer %v, remedies %v, preview %v", v, h.Serves, h.Engine.NewWorkload != nil, ids, h.Engine.Preview)
		}
	}
	if _, err := setup(context.Background(), func(string) string { return "" }, &bytes.Buffer{}, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("setup without TABLE_NAME succeeded")
	}
}
