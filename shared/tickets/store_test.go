package tickets

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestStoreLockAndState(t *testing.T) {
	st, _ := newStore(t)
	ctx := ctxT(t)
	k := Key{SecretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf", Check: "cmk"}

	state, a, err := st.Lock(ctx, k, "a", now, now.Add(time.Minute))
	if err != nil || state.Status != "" || len(state.Sinks) != 0 {
		t.Fatalf("first lock: %+v, %v", state, err)
	}
	if _, _, err := st.Lock(ctx, k, "a", now, now.Add(time.Minute)); err != nil {
		t.Fatalf("re-entrant lock: %v", err)
	}
	if _, _, err := st.Lock(ctx, k, "b", now.Add(30*time.Second), now.Add(time.Minute)); !errors.Is(err, ErrBusy) {
		t.Fatalf("lock held by a: %v, want ErrBusy", err)
	}
	state.Status, state.Fingerprint, state.LastTime = StatusOpen, "fp", now
	state.Sinks["ops"] = SinkState{Ref: "oi-1", Open: true, Event: "e1"}
	if err := st.Save(ctx, k, state, a, false, now); err != nil {
		t.Fatal(err)
	}
	// a's lease runs out; b takes over and a can no longer write.
	got, b, err := st.Lock(ctx, k, "b", now.Add(2*time.Minute), now.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, state) {
		t.Errorf("state round trip\n%+v\nwant\n%+v", got, state)
	}
	if err := st.Save(ctx, k, state, a, true, now); !errors.Is(err, ErrBusy) {
		t.Errorf("save after losing the lock: %v, want ErrBusy", err)
	}
	if err := st.Save(ctx, k, state, b, true, now); err != nil {
		t.Fatal(err)
	}

	// Event records: keyed by ID, listing keys.
	if done, err := st.Done(ctx, "e1", k); err != nil || done {
		t.Fatalf("Done before MarkDone = %v, %v", done, err)
	}
	other := Key{SecretARN: k.SecretARN, Check: "unused"}
	if err := st.MarkDone(ctx, "e1", k, now); err != nil {
		t.Fatal(err)
	}
	if done, _ := st.Done(ctx, "e1", k); !done {
		t.Error("not done after MarkDone")
	}
	if done, _ := st.Done(ctx, "e1", other); done {
		t.Error("another key of the same event ID is done")
	}
}
