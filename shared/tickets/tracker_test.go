package tickets

import (
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/secretguard/secretguard/shared/outcome"
)

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func newTracker(t *testing.T, sinks ...Sink) (*Tracker, *Store) {
	t.Helper()
	st, _ := newStore(t)
	return &Tracker{Store: st, Sinks: sinks, Now: func() time.Time { return now }}, st
}

func handle(t *testing.T, tr *Tracker, e *Event) Result {
	t.Helper()
	res, err := tr.Handle(ctxT(t), e)
	if err != nil {
		t.Fatalf("Handle(%s): %v", e.Detail.ID, err)
	}
	return res
}

func TestTrackerLifecycle(t *testing.T) {
	ops, sns := newFake("ops", ""), newFake("sns", "")
	tr, st := newTracker(t, ops, sns)
	first, changed := sample(t, "needs-attention.json"), sample(t, "needs-attention-changed.json")
	sameAgain := withID(changed, "rem-again", changed.Detail.Time.Add(time.Hour), changed.Detail.Annotation)

	steps := []struct {
		event *Event
		want  string
	}{
		{first, OutcomeOpened},
		{first, OutcomeDuplicate},     // same event ID again: no second ticket
		{changed, OutcomeUpdated},     // another ID, same key: added to the ticket
		{changed, OutcomeDuplicate},   // and only once
		{sameAgain, OutcomeUnchanged}, // same finding, new ID: nothing sent
		{sample(t, "remediated.json"), OutcomeResolved},
	}
	for i, s := range steps {
		if res := handle(t, tr, s.event); res.Outcome != s.want {
			t.Fatalf("step %d (%s): outcome %q, want %q (sinks %v)", i, s.event.Detail.ID, res.Outcome, s.want, res.Sinks)
		}
	}
	want := []Action{ActionOpen, ActionUpdate, ActionResolve}
	for _, f := range []*fakeSink{ops, sns} {
		if got := f.actions(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: actions %v, want %v", f.name, got, want)
		}
		if f.calls[1].Ref != f.name+"-1" || f.calls[2].Ref != f.name+"-1" {
			t.Errorf("%s: update/resolve not on the opened ticket: %+v", f.name, f.calls)
		}
	}

	// End state in DynamoDB.
	item := getItem(t, st.DB.(ddbClient), "ticket#"+first.Detail.SecretARN, "rotation-enabled")
	state := decodeState(item)
	if state.Status != StatusResolved || state.LastEvent != "rem-20260304-0004" || !state.LastTime.Equal(time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("state %+v", state)
	}
	if ss := state.Sinks["ops"]; ss.Ref != "ops-1" || ss.Open || ss.Event != "rem-20260304-0004" {
		t.Errorf("ops sink state %+v", ss)
	}
	if _, locked := item["lockOwner"]; locked {
		t.Error("lock not released")
	}
	if ttl, ok := item["ttl"].(*ddbtypes.AttributeValueMemberN); !ok || ttl.Value != strconv.FormatInt(now.Add(30*24*time.Hour).Unix(), 10) {
		t.Errorf("resolved ticket ttl = %v", item["ttl"])
	}
	ev := getItem(t, st.DB.(ddbClient), "event#rem-20260302-0001", "notifier")
	if keys, ok := ev["keys"].(*ddbtypes.AttributeValueMemberSS); !ok || !reflect.DeepEqual(keys.Value, []string{first.Detail.SecretARN + "|rotation-enabled"}) {
		t.Errorf("event record keys = %v", ev["keys"])
	}
	if _, ok := ev["ttl"].(*ddbtypes.AttributeValueMemberN); !ok {
		t.Errorf("event record has no ttl: %v", ev)
	}
}

func TestTrackerOpenTicketHasNoTTL(t *testing.T) {
	tr, st := newTracker(t, newFake("ops", ""))
	e := sample(t, "remediation-failed.json")
	handle(t, tr, e)
	item := getItem(t, st.DB.(ddbClient), "ticket#"+e.Detail.SecretARN, "cmk")
	if _, ok := item["ttl"]; ok || decodeState(item).Status != StatusOpen {
		t.Errorf("open ticket item %v", item)
	}
}

func TestTrackerReopenAndStale(t *testing.T) {
	ops := newFake("ops", "")
	tr, _ := newTracker(t, ops)
	failed, compliant := sample(t, "remediation-failed.json"), sample(t, "compliant.json")
	handle(t, tr, failed)
	handle(t, tr, compliant)
	// A late event from before the resolution must not reopen the ticket.
	late := withID(failed, "late-1", failed.Detail.Time.Add(time.Minute), "late news")
	if res := handle(t, tr, late); res.Outcome != OutcomeStale {
		t.Fatalf("late event: %q", res.Outcome)
	}
	// A new failure after the resolution opens a new ticket.
	again := withID(failed, "again-1", compliant.Detail.Time.Add(24*time.Hour), "failing again")
	if res := handle(t, tr, again); res.Outcome != OutcomeOpened {
		t.Fatalf("new failure: %q", res.Outcome)
	}
	want := []Action{ActionOpen, ActionResolve, ActionOpen}
	if got := ops.actions(); !reflect.DeepEqual(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	if ops.calls[2].Ref != "ops-1" { // Open gets the previous ref
		t.Errorf("reopen prev ref = %q", ops.calls[2].Ref)
	}
}

func TestTrackerPassingWithoutTicket(t *testing.T) {
	ops := newFake("ops", "")
	tr, _ := newTracker(t, ops)
	for _, name := range []string{"compliant.json", "remediated.json"} {
		if res := handle(t, tr, sample(t, name)); res.Outcome != OutcomeNoTicket {
			t.Errorf("%s: %q", name, res.Outcome)
		}
	}
	if len(ops.calls) != 0 {
		t.Errorf("calls %v", ops.calls)
	}
	// A dry-run remediation does not resolve: it is a finding.
	dry := sample(t, "remediated.json")
	dry.Detail.ID, dry.Detail.DryRun, dry.Detail.Compliance = "dry-1", true, "NON_COMPLIANT"
	if res := handle(t, tr, dry); res.Outcome != OutcomeOpened {
		t.Errorf("dry run: %q", res.Outcome)
	}
}

func TestTrackerPartialFailureRetriesOnlyFailedSinks(t *testing.T) {
	ops, jira := newFake("ops", ""), newFake("jira", "")
	jira.fail[ActionOpen] = 1
	tr, _ := newTracker(t, ops, jira)
	e := sample(t, "remediation-failed.json")

	res, err := tr.Handle(ctxT(t), e)
	if err == nil || res.Outcome != OutcomeFailed || res.Sinks["ops"] != "open" || res.Sinks["jira"] != "error" {
		t.Fatalf("first attempt: %+v, %v", res, err)
	}
	res = handle(t, tr, e) // the retry (Lambda or SQS redrive)
	if res.Outcome != OutcomeOpened || res.Sinks["ops"] != "already applied" || res.Sinks["jira"] != "open" {
		t.Fatalf("retry: %+v", res)
	}
	if res := handle(t, tr, e); res.Outcome != OutcomeDuplicate {
		t.Fatalf("third delivery: %q", res.Outcome)
	}
	if len(ops.calls) != 1 || len(jira.calls) != 1 {
		t.Errorf("ops %v, jira %v", ops.calls, jira.calls)
	}
}

func TestTrackerBusy(t *testing.T) {
	ops := newFake("ops", "")
	tr, st := newTracker(t, ops)
	e := sample(t, "needs-attention.json")
	k := KeyOf(e.DetailType, e.Detail)
	if _, _, err := st.Lock(ctxT(t), k, "someone-else", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Handle(ctxT(t), e); !errors.Is(err, ErrBusy) {
		t.Fatalf("Handle while locked: %v, want ErrBusy", err)
	}
	// Once the lease runs out, the ticket is free again.
	tr.Now = func() time.Time { return now.Add(2 * time.Minute) }
	if res := handle(t, tr, e); res.Outcome != OutcomeOpened || len(ops.calls) != 1 {
		t.Fatalf("after the lease: %+v", res)
	}
}

func TestTrackerSeverityFilterAndLateSink(t *testing.T) {
	all, high := newFake("all", ""), newFake("high", outcome.SeverityHigh)
	tr, _ := newTracker(t, all, high)
	low := sample(t, "remediation-failed.json")
	low.Detail.Check, low.Detail.ID = "required-tags", "low-1"
	if res := handle(t, tr, low); res.Sinks["high"] != "filtered" || res.Sinks["all"] != "open" {
		t.Fatalf("low severity: %v", res.Sinks)
	}
	e := sample(t, "remediation-failed.json") // cmk: HIGH
	handle(t, tr, e)
	if len(high.calls) != 1 || high.calls[0].Check != "cmk" {
		t.Fatalf("high sink calls %v", high.calls)
	}
	// A sink added to the baseline later gets the open ticket on the next
	// event, even an unchanged one; the others send nothing.
	late := newFake("late", "")
	tr.Sinks = append(tr.Sinks, late)
	res := handle(t, tr, withID(e, "rem-repeat", e.Detail.Time.Add(time.Hour), e.Detail.Annotation))
	if res.Outcome != OutcomeUnchanged || res.Sinks["late"] != "open" || res.Sinks["all"] != "unchanged" {
		t.Fatalf("late sink: %+v", res)
	}
}

func TestTrackerRevokedAndSharedIDs(t *testing.T) {
	ops := newFake("ops", "")
	tr, _ := newTracker(t, ops)
	rev := sample(t, "revoked.json")
	if res := handle(t, tr, rev); res.Outcome != OutcomeOpened || res.Key.Check != RevokedCheck {
		t.Fatalf("revoked: %+v", res)
	}
	// Two events sharing a detail ID but not a key are both applied.
	other := sample(t, "needs-attention.json")
	other.Detail.ID = rev.Detail.ID
	if res := handle(t, tr, other); res.Outcome != OutcomeOpened {
		t.Fatalf("same ID, other key: %q", res.Outcome)
	}
	if len(ops.calls) != 2 {
		t.Errorf("calls %v", ops.calls)
	}
}
