package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/revoke"
	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

func samples(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../../events/revoker/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// A malformed request is the function's error, before any AWS call: the
// Runner here has no clients at all.
func TestHandleRefusesMalformed(t *testing.T) {
	h := &Handler{Runner: &revoke.Runner{}, Log: slog.New(slog.DiscardHandler)}
	n := 0
	for name, payload := range samples(t) {
		if !strings.HasPrefix(name, "malformed-") {
			if _, err := revoke.DecodeRequest(payload, 0); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		n++
		rep, err := h.Handle(context.Background(), payload)
		if rep != nil || !errors.Is(err, revoke.ErrInvalidRequest) {
			t.Errorf("%s: report %v, error %v", name, rep != nil, err)
		}
	}
	if n < 8 {
		t.Errorf("only %d malformed samples", n)
	}
}

// The samples run through the function as wired by setup, against moto.
func TestHandleSamplesOnMoto(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	awsfix.MotoEnv(t, srv, "us-east-1")
	cfg := srv.Config(t, "us-east-1")
	sm, ddb := secretsmanager.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg)
	if err := ledger.CreateTable(ctx, ddb, "state"); err != nil {
		t.Fatal(err)
	}
	if _, err := eventbridge.NewFromConfig(cfg).CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("secretguard")}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"prod/payments/db", "prod/payments/api"} {
		if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("x"),
			Tags: []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("payments")}, {Key: aws.String("environment"), Value: aws.String("prod")}}}); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"AWS_REGION": "us-east-1", "TABLE_NAME": "state", "EVENT_BUS_NAME": "secretguard"}
	if _, err := setup(ctx, func(k string) string { return map[string]string{"AWS_REGION": "us-east-1"}[k] }, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("setup without TABLE_NAME and EVENT_BUS_NAME must fail")
	}
	h, err := setup(ctx, func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	h.Runner.CloudTrail = nil // moto has no LookupEvents; the evidence says so
	all := samples(t)

	rep, err := h.Handle(ctx, all["dry-run.json"])
	if err != nil || !strings.HasPrefix(rep.Summary, "DRY RUN incident DRILL-7: 1 secret(s); nothing changed") {
		t.Fatalf("dry-run.json: %v %+v", err, rep)
	}
	// valid.json names a secret ARN moto cannot have and a break-glass role
	// that does not exist here: refused with both problems, nothing done.
	if _, err := h.Handle(ctx, all["valid.json"]); !errors.Is(err, revoke.ErrInvalidRequest) ||
		!strings.Contains(err.Error(), "prod/payments/db-AbCdEf not found") || !strings.Contains(err.Error(), "break-glass does not exist") {
		t.Errorf("valid.json on moto: %v", err)
	}
	// tag-filter.json: two secrets without rotation: the Deny is applied
	// and stays, and the report says a human must replace the credentials.
	rep, err = h.Handle(ctx, all["tag-filter.json"])
	if err != nil || len(rep.Secrets) != 2 || rep.OK || !strings.Contains(rep.Summary, "access cut on 2/2") {
		t.Fatalf("tag-filter.json: %v %+v", err, rep)
	}
	for _, s := range rep.Secrets {
		if s.Status != revoke.StatusCannotRotate || !s.DenyInPlace {
			t.Errorf("%s: %s %s", s.SecretName, s.Status, s.Headline)
		}
	}
}
