package ledger_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"

var t0 = time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*ledger.Store, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	srv := motoserver.Start(t)
	srv.Reset(t)
	db := dynamodb.NewFromConfig(srv.Config(t, "us-east-1"))
	if err := ledger.CreateTable(ctx, db, "secretguard"); err != nil {
		t.Fatal(err)
	}
	return &ledger.Store{DB: db, Table: "secretguard"}, ctx
}

func TestHistoryNewestFirstAndLookup(t *testing.T) {
	st, ctx := newStore(t)
	undo, err := ledger.StoreCalls([]remedies.Call{{Service: "secretsmanager", Operation: "UntagResource",
		Input: &secretsmanager.UntagResourceInput{SecretId: aws.String(arn), TagKeys: []string{"owner"}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Times whose RFC3339Nano forms would sort wrongly (…00Z after …00.5Z).
	for i, d := range []time.Duration{0, 500 * time.Millisecond, time.Second, 2 * time.Hour} {
		e := &ledger.Entry{ID: "rem-" + string(rune('a'+i)), Time: t0.Add(d), SecretARN: arn, Check: "required-tags", Decision: "remediated",
			Calls: []outcome.Call{{Service: "secretsmanager", Operation: "TagResource", Outcome: "ok"}}, Undo: undo,
			Before: &outcome.State{}, After: &outcome.State{Tags: map[string]string{"owner": "alice"}}}
		if err := st.Record(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Items of other kinds share the partition and must not show.
	if ok, err := st.Claim(ctx, arn, "required-tags", "h1", "test", t0); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := st.SetLatest(ctx, arn, ledger.Latest{Check: "required-tags", Compliance: "COMPLIANT", Key: "k", ID: "rem-d", Time: t0}, false); err != nil {
		t.Fatal(err)
	}
	h, err := st.History(ctx, arn, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range h {
		ids = append(ids, e.ID)
	}
	if got := strings.Join(ids, ","); got != "rem-d,rem-c,rem-b,rem-a" {
		t.Errorf("history %s, want newest first", got)
	}
	if h, _ := st.History(ctx, arn, 2); len(h) != 2 {
		t.Errorf("limit 2: %d entries", len(h))
	}
	e, err := st.Get(ctx, "rem-b")
	if err != nil || e.After.Tags["owner"] != "alice" || len(e.Undo) != 1 {
		t.Fatalf("get: %+v %v", e, err)
	}
	if err := st.MarkUndone(ctx, "rem-b", "undo-b", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkUndone(ctx, "rem-b", "undo-again", t0.Add(2*time.Hour)); !errors.Is(err, ledger.ErrAlreadyUndone) {
		t.Errorf("second undo: %v", err)
	}
	if e, _ := st.Get(ctx, "rem-b"); e.UndoneBy != "undo-b" || !e.UndoneAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("undone: %q %s", e.UndoneBy, e.UndoneAt)
	}
	if _, err := st.Get(ctx, "rem-zzz"); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("unknown ID: %v", err)
	}
	if err := st.MarkUndone(ctx, "rem-zzz", "x", t0); err == nil {
		t.Error("MarkUndone of an unknown ID succeeded")
	}
}

// TestClaimOnce: of the claims on one key exactly one wins; an expired
// claim can be taken again. The claims are made one after another: a claim
// is one conditional PutItem, which DynamoDB serialises per item, but
// moto_server does not guarantee that under concurrency, so a concurrent
// run would test moto.
func TestClaimOnce(t *testing.T) {
	st, ctx := newStore(t)
	won := 0
	for range 10 {
		ok, err := st.Claim(ctx, arn, "cmk", "state1", "w", t0)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d claims won, want 1", won)
	}
	if ok, _ := st.Claim(ctx, arn, "cmk", "state2", "w", t0); !ok {
		t.Error("another state could not be claimed")
	}
	if ok, _ := st.Claim(ctx, arn, "cmk", "state1", "w", t0.Add(ledger.ClaimLease+time.Second)); !ok {
		t.Error("an expired claim could not be taken")
	}
}

func TestSetLatestOnlyIfChanged(t *testing.T) {
	st, ctx := newStore(t)
	l := ledger.Latest{Check: "cmk", Compliance: "NON_COMPLIANT", Key: "k1", Decision: "ticketed", ID: "tkt-1", Time: t0}
	for i, want := range []bool{true, false} {
		if ok, err := st.SetLatest(ctx, arn, l, true); err != nil || ok != want {
			t.Fatalf("write %d: %v %v, want %v", i, ok, err, want)
		}
	}
	l.Key, l.Compliance = "k2", "COMPLIANT"
	if ok, _ := st.SetLatest(ctx, arn, l, true); !ok {
		t.Error("a new key was not written")
	}
	got, err := st.Latest(ctx, arn)
	if err != nil || got["cmk"].Compliance != "COMPLIANT" || got["cmk"].ID != "tkt-1" || !got["cmk"].Time.Equal(t0) {
		t.Errorf("latest %+v %v", got, err)
	}
}

func TestStoredCallRoundTrip(t *testing.T) {
	calls := []remedies.Call{
		{Service: "secretsmanager", Operation: "PutResourcePolicy", Input: &secretsmanager.PutResourcePolicyInput{
			SecretId: aws.String(arn), ResourcePolicy: aws.String(`{"Version":"2012-10-17","Statement":[]}`), BlockPublicPolicy: aws.Bool(false)}},
		{Service: "secretsmanager", Operation: "TagResource", Input: &secretsmanager.TagResourceInput{
			SecretId: aws.String(arn), Tags: []smtypes.Tag{{Key: aws.String("a b"), Value: aws.String("c")}}}},
		{Service: "secretsmanager", Operation: "RotateSecret", Input: &secretsmanager.RotateSecretInput{SecretId: aws.String(arn),
			RotationRules: &smtypes.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)")}, RotateImmediately: aws.Bool(false)}},
	}
	stored, err := ledger.StoreCalls(calls)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(stored)
	var back []ledger.StoredCall
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	for i, sc := range back {
		c, err := sc.Call(arn)
		if err != nil {
			t.Fatalf("%s: %v", sc.Operation, err)
		}
		a, _ := remedies.Params(calls[i])
		b, _ := remedies.Params(c)
		if string(a) != string(b) {
			t.Errorf("%s: %s, want %s", sc.Operation, b, a)
		}
	}
	bad := []ledger.StoredCall{
		{Service: "secretsmanager", Operation: "GetSecretValue", Input: json.RawMessage(`{"SecretId":"` + arn + `"}`)},
		{Service: "secretsmanager", Operation: "UpdateSecret", Input: json.RawMessage(`{"SecretId":"` + arn + `","SecretString":"x"}`)},
		{Service: "iam", Operation: "TagResource", Input: json.RawMessage(`{"SecretId":"` + arn + `"}`)},
		{Service: "secretsmanager", Operation: "TagResource", Input: json.RawMessage(`{"SecretId":"` + arn + `","Surprise":1}`)},
		{Service: "secretsmanager", Operation: "DeleteResourcePolicy", Input: json.RawMessage(`{"SecretId":"arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf"}`)},
	}
	for _, sc := range bad {
		if _, err := sc.Call(arn); err == nil {
			t.Errorf("%s:%s %s was accepted", sc.Service, sc.Operation, sc.Input)
		}
	}
}
