package engine_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
)

// TestDuplicateEvents: ten invocations reconcile the same secret at once
// (EventBridge delivers at least once). Exactly one changes it: one
// TagResource, one ledger entry, one event; the others find the claim taken
// or the secret already compliant.
func TestDuplicateEvents(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	arn := e.create("app/dup", map[string]string{"environment": "prod"})
	e.counter.Reset()

	var wg sync.WaitGroup
	outcomes := make([]engine.Outcome, 10)
	for i := range outcomes {
		wg.Go(func() {
			res, err := e.engine().Start().Reconcile(e.ctx, engine.Request{SecretID: arn, Hints: remedies.Hints{Creator: creator}, Trigger: "dup"})
			if err != nil {
				t.Error(err)
				return
			}
			outcomes[i] = check(t, res, baseline.CheckRequiredTags).Outcome
		})
	}
	wg.Wait()
	count := map[engine.Outcome]int{}
	for _, o := range outcomes {
		count[o]++
	}
	if count[engine.OutcomeRemediated] != 1 || count[engine.OutcomeDuplicate]+count[engine.OutcomeCompliant] != 9 {
		t.Errorf("outcomes %v, want one remediated, the rest duplicate or compliant", count)
	}
	if n := e.counter.Counts()["secretsmanager:TagResource"]; n != 1 {
		t.Errorf("%d TagResource calls, want 1", n)
	}
	if h := e.history(arn); len(h) != 1 || h[0].Decision != "remediated" {
		t.Errorf("ledger has %d entries, want 1: %+v", len(h), h)
	}
	if ev := e.events.types(t); len(ev) != 1 || ev[0] != outcome.TypeRemediated {
		t.Errorf("events %v", ev)
	}
	tags := e.observe(arn).Tags
	if tags["owner"] != "team-payments" || tags["environment"] != "prod" {
		t.Errorf("tags %v", tags)
	}
}

// TestCap: a sweep over 30 secrets that need a change makes 25 changes
// (maxChangesPerInvocation) and tickets the other 5; the next invocation
// remediates those.
func TestCap(t *testing.T) {
	e := newEnv(t)
	e.mode(baseline.CheckRequiredTags, baseline.ModeRemediate)
	e.b.RequiredTags[0].Default = "platform" // a sweep knows no creator
	var arns []string
	for i := range 30 {
		arns = append(arns, e.create(fmt.Sprintf("app/cap-%02d", i), nil))
	}
	inv := e.engine().Start()
	sum, err := inv.Sweep(e.ctx, engine.SweepRequest{Region: region, Trigger: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Secrets != 30 || sum.Outcomes[engine.OutcomeRemediated] != 25 || sum.Outcomes[engine.OutcomeTicketed] != 5 || inv.Changes() != 25 {
		t.Fatalf("summary %+v, changes %d; want 25 remediated, 5 ticketed", sum, inv.Changes())
	}
	tagged := 0
	for _, arn := range arns {
		if _, ok := e.observe(arn).Tags["owner"]; ok {
			tagged++
		}
	}
	if tagged != 25 {
		t.Errorf("%d secrets tagged, want 25", tagged)
	}
	types := map[string]int{}
	for _, ev := range e.events.sent(t) {
		types[ev.DetailType]++
		if ev.DetailType == outcome.TypeNeedsAttention && (ev.Detail.Fix == "" || ev.Detail.Why == "") {
			t.Errorf("cap ticket without fix or reason: %+v", ev.Detail)
		}
	}
	if types[outcome.TypeRemediated] != 25 || types[outcome.TypeNeedsAttention] != 5 {
		t.Errorf("events %v", types)
	}
	sum, err = e.engine().Start().Sweep(e.ctx, engine.SweepRequest{Region: region}, nil)
	if err != nil || sum.Outcomes[engine.OutcomeRemediated] != 5 || sum.Outcomes[engine.OutcomeCompliant] < 25 {
		t.Errorf("second sweep %+v %v", sum, err)
	}
}
