package dispatch

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
)

func TestParseDryRun(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "1": true, "yes": true, "TRUE": true, "": false, "false": false, "0": false, "no": false} {
		if got, err := ParseDryRun(v); err != nil || got != want {
			t.Errorf("DRY_RUN=%q: %v %v, want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"bogus", "on", "2", "y"} {
		if _, err := ParseDryRun(v); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", v)) {
			t.Errorf("DRY_RUN=%q: %v", v, err)
		}
	}
}

// TestSetupDryRun: DRY_RUN sets the engine's preview; an unknown value
// fails the init, naming it.
func TestSetupDryRun(t *testing.T) {
	env := func(dryRun string) func(string) string {
		return func(k string) string {
			return map[string]string{"DRY_RUN": dryRun, "TABLE_NAME": "secretguard", "AWS_REGION": "us-east-1"}[k]
		}
	}
	log := slog.New(slog.DiscardHandler)
	if _, err := Setup(context.Background(), env("bogus"), &bytes.Buffer{}, log, Secrets, nil); err == nil || !strings.Contains(err.Error(), `DRY_RUN is "bogus"`) {
		t.Errorf("DRY_RUN=bogus: %v", err)
	}
	for v, want := range map[string]bool{"true": true, "false": false, "": false} {
		h, err := Setup(context.Background(), env(v), &bytes.Buffer{}, log, Secrets, nil)
		if err != nil {
			t.Fatalf("DRY_RUN=%q: %v", v, err)
		}
		if h.Engine.Preview != want {
			t.Errorf("DRY_RUN=%q: preview %v", v, h.Engine.Preview)
		}
	}
}

// TestDryRunForcesPreview: with DRY_RUN on, a direct request that says
// "dryRun": false is still a preview (and logged): the plan is recorded
// and sent, the secret is not changed.
func TestDryRunForcesPreview(t *testing.T) {
	f := newFixture(t)
	f.h.Engine.Preview = true // setup's DRY_RUN=true
	if _, err := f.sm.TagResource(f.ctx, &secretsmanager.TagResourceInput{SecretId: aws.String(f.arn),
		Tags: []smtypes.Tag{{Key: aws.String("owner"), Value: aws.String("team-payments")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := f.h.Handle(f.ctx, fmt.Appendf(nil, `{"secretId": %q, "dryRun": false}`, f.arn))
	if err != nil {
		t.Fatal(err)
	}
	resp := out.(Response)
	if resp.Error != "" || resp.Result == nil || !resp.Result.Preview || resp.Result.DryRun {
		t.Fatalf("response %+v", resp)
	}
	var planned engine.CheckResult
	for _, c := range resp.Result.Checks {
		if c.Check == baseline.CheckRequiredTags {
			planned = c
		}
	}
	if planned.Outcome != engine.OutcomePlanned || planned.Event != outcome.TypeRemediated || len(planned.Calls) != 1 || planned.Calls[0].Outcome != "dry-run" {
		t.Errorf("required-tags %+v", planned)
	}
	if tags := f.tags(t); len(tags) != 1 || tags["owner"] != "team-payments" {
		t.Errorf("the secret changed in preview: %v", tags)
	}
	h, err := f.h.Engine.Ledger.(*ledger.Store).History(f.ctx, f.arn, 0)
	var decisions []string
	for _, en := range h {
		if en.Check == baseline.CheckRequiredTags {
			decisions = append(decisions, en.Decision)
		}
	}
	if err != nil || len(decisions) != 1 || decisions[0] != string(engine.OutcomePlanned) {
		t.Errorf("required-tags ledger entries %v %v", decisions, err)
	}
	if logs := f.logs.String(); !strings.Contains(logs, `the request's \"dryRun\": false is ignored`) || !strings.Contains(logs, `"preview":true`) {
		t.Errorf("logs do not say that DRY_RUN overrides the request:\n%s", logs)
	}

	// Preview off (DRY_RUN=false): the same request remediates.
	f.h.Engine.Preview = false
	if _, err := f.h.Handle(f.ctx, fmt.Appendf(nil, `{"secretId": %q, "dryRun": false}`, f.arn)); err != nil {
		t.Fatal(err)
	}
	if tags := f.tags(t); tags["environment"] != "prod" {
		t.Errorf("not remediated once DRY_RUN is off: %v", tags)
	}
}

func TestDecodeDryRun(t *testing.T) {
	for body, want := range map[string][2]bool{ // DryRun, NoDryRun
		`{"secretId": "app"}`:                                                                                          {false, false},
		`{"secretId": "app", "dryRun": true}`:                                                                          {true, false},
		`{"secretId": "app", "dryRun": false}`:                                                                         {false, true},
		`{"sweep": {"region": "us-east-1"}, "dryRun": false}`:                                                          {false, true},
		`{"sweep": {"region": "us-east-1"}, "dryRun": true}`:                                                           {true, false},
		`{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}}`:                  {false, false},
		`{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}, "dryRun": true}`:  {true, false},
		`{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}, "dryRun": false}`: {false, true},
	} {
		tr, err := Decode([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		dry := tr.Request != nil && tr.Request.DryRun || tr.Sweep != nil && tr.Sweep.DryRun || tr.Resource != nil && tr.Resource.DryRun
		if got := [2]bool{dry, tr.NoDryRun}; got != want {
			t.Errorf("%s: dryRun, noDryRun %v, want %v", body, got, want)
		}
	}
}
