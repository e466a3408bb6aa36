package secret_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/secret"
)

var fixedNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func observer(f *fakeSM) *secret.Observer {
	return &secret.Observer{Client: f, Region: "eu-west-1", Now: func() time.Time { return fixedNow }}
}

// collect sweeps and returns the pages delivered.
func collect(t *testing.T, o *secret.Observer, opts secret.SweepOptions, needs secret.Needs) ([]secret.Page, secret.Stats) {
	t.Helper()
	var pages []secret.Page
	st, err := o.Sweep(context.Background(), opts, needs, func(p secret.Page) error {
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	return pages, st
}

func names(pages []secret.Page) []string {
	var out []string
	for _, p := range pages {
		for _, s := range p.Snapshots {
			out = append(out, s.Name)
		}
	}
	return out
}

func TestSweepPaginatesOncePerSecretInOrder(t *testing.T) {
	f := newFake(250)
	f.policies["app/s0007"] = `{"Version":"2012-10-17"}`
	pages, st := collect(t, observer(f), secret.SweepOptions{}, secret.Needs{Policy: true})

	if len(pages) != 3 || len(pages[0].Snapshots) != 100 || len(pages[2].Snapshots) != 50 {
		t.Fatalf("got %d pages", len(pages))
	}
	if pages[0].Token != "" || pages[1].Token != pages[0].NextToken || pages[2].Token != pages[1].NextToken || pages[2].NextToken != "" {
		t.Fatalf("token chain: %+v %+v %+v", pages[0].NextToken, pages[1], pages[2].NextToken)
	}
	got := names(pages)
	for i, n := range got {
		if want := fmt.Sprintf("app/s%04d", i); n != want {
			t.Fatalf("secret %d = %s, want %s", i, n, want)
		}
	}
	if st != (secret.Stats{Pages: 3, Secrets: 250}) {
		t.Fatalf("stats %+v", st)
	}
	if c := f.count("ListSecrets"); c != 3 {
		t.Fatalf("ListSecrets calls %d", c)
	}
	if c := f.count("GetResourcePolicy"); c != 250 {
		t.Fatalf("GetResourcePolicy calls %d", c)
	}
	if c := f.count("DescribeSecret"); c != 0 {
		t.Fatalf("DescribeSecret calls %d", c)
	}
	for _, s := range pages[0].Snapshots {
		if !s.PolicyKnown || s.ReplicasKnown || s.Problem != "" || s.Region != "eu-west-1" || s.AccountID != fakeAccount {
			t.Fatalf("snapshot %+v", s)
		}
	}
	if p := pages[0].Snapshots[7].ResourcePolicy; p != `{"Version":"2012-10-17"}` {
		t.Fatalf("policy %q", p)
	}
	if p := pages[0].Snapshots[8].ResourcePolicy; p != "" {
		t.Fatalf("no-policy secret has %q", p)
	}
}

func TestSweepResumeFromToken(t *testing.T) {
	f := newFake(250)
	o := observer(f)
	first, _ := collect(t, o, secret.SweepOptions{}, secret.Needs{})
	pages, st := collect(t, o, secret.SweepOptions{StartToken: first[0].NextToken}, secret.Needs{})
	if len(pages) != 2 || pages[0].Token != first[0].NextToken || st.Secrets != 150 {
		t.Fatalf("resumed: %d pages, stats %+v", len(pages), st)
	}
	if got := names(pages); got[0] != "app/s0100" || got[149] != "app/s0249" {
		t.Fatalf("resumed at %s .. %s", got[0], got[len(got)-1])
	}
}

func TestSweepOptionsPassedToListSecrets(t *testing.T) {
	f := newFake(30)
	gone := f.add("old/one")
	gone.DeletedDate = aws.Time(created)
	filters := []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"app/"}}}
	pages, st := collect(t, observer(f), secret.SweepOptions{Filters: filters, IncludePlannedDeletion: true, PageSize: 10}, secret.Needs{Policy: true})
	if len(pages) != 4 || st.Secrets != 31 {
		t.Fatalf("%d pages, stats %+v", len(pages), st)
	}
	in := f.lastList
	if aws.ToInt32(in.MaxResults) != 10 || !aws.ToBool(in.IncludePlannedDeletion) || len(in.Filters) != 1 {
		t.Fatalf("ListSecrets input %+v", in)
	}
	last := pages[3].Snapshots[0]
	if !last.ScheduledForDeletion() || last.PolicyKnown || last.Problem != "" {
		t.Fatalf("scheduled-for-deletion snapshot %+v", last)
	}
	if c := f.count("GetResourcePolicy"); c != 30 {
		t.Fatalf("GetResourcePolicy calls %d, want 30 (none for the deleted secret)", c)
	}
	// PageSize above the maximum is clamped.
	collect(t, observer(f), secret.SweepOptions{PageSize: 1000}, secret.Needs{})
	if aws.ToInt32(f.lastList.MaxResults) != 100 {
		t.Fatalf("MaxResults %d", aws.ToInt32(f.lastList.MaxResults))
	}
}

func TestSweepWithoutPolicyMakesNoEnrichmentCalls(t *testing.T) {
	f := newFake(150)
	pages, _ := collect(t, observer(f), secret.SweepOptions{}, secret.Needs{})
	if c := f.count("GetResourcePolicy") + f.count("DescribeSecret"); c != 0 {
		t.Fatalf("%d enrichment calls", c)
	}
	if s := pages[1].Snapshots[0]; s.PolicyKnown || s.ReplicasKnown || s.ObservedAt != fixedNow {
		t.Fatalf("snapshot %+v", s)
	}
}

func TestSweepReplicasPredicate(t *testing.T) {
	f := newFake(120)
	f.replicas["app/s0003"] = []types.ReplicationStatusType{{Region: aws.String("us-east-1"), Status: types.StatusTypeInSync}}
	var asked atomic.Int32
	needs := secret.Needs{Replicas: func(s *secret.Snapshot) bool {
		asked.Add(1)
		return strings.HasSuffix(s.Name, "3")
	}}
	pages, _ := collect(t, observer(f), secret.SweepOptions{}, needs)
	if asked.Load() != 120 {
		t.Fatalf("predicate asked %d times", asked.Load())
	}
	if c := f.count("DescribeSecret"); c != 12 {
		t.Fatalf("DescribeSecret calls %d, want 12", c)
	}
	for _, id := range f.described {
		if !strings.HasSuffix(id, "3-AbCdEf") {
			t.Fatalf("described %s", id)
		}
	}
	s := pages[0].Snapshots[3]
	if !s.ReplicasKnown || len(s.Replicas) != 1 || s.Replicas[0] != (secret.Replica{Region: "us-east-1", Status: "InSync"}) {
		t.Fatalf("replicated snapshot %+v", s)
	}
	if s := pages[0].Snapshots[13]; !s.ReplicasKnown || len(s.Replicas) != 0 || s.Tags["team"] != "x" {
		t.Fatalf("described, unreplicated snapshot %+v", s)
	}
	if s := pages[0].Snapshots[4]; s.ReplicasKnown {
		t.Fatalf("undescribed snapshot has ReplicasKnown")
	}
}

func TestSweepPerSecretErrors(t *testing.T) {
	f := newFake(20)
	f.setErr("GetResourcePolicy", "app/s0002", accessDenied())
	f.setErr("GetResourcePolicy", "app/s0005", notFound())
	f.setErr("GetResourcePolicy", "app/s0009", throttled())
	f.setErr("DescribeSecret", "app/s0011", notFound())
	f.setErr("DescribeSecret", "app/s0013", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "denied"})
	needs := secret.Needs{Policy: true, Replicas: func(s *secret.Snapshot) bool { return s.Name == "app/s0011" || s.Name == "app/s0013" }}
	pages, st := collect(t, observer(f), secret.SweepOptions{}, needs)
	snaps := pages[0].Snapshots
	if st != (secret.Stats{Pages: 1, Secrets: 20, Problems: 3, Gone: 2}) {
		t.Fatalf("stats %+v", st)
	}
	if p := snaps[2].Problem; !strings.HasPrefix(p, "GetResourcePolicy: missing permission secretsmanager:GetResourcePolicy") || snaps[2].PolicyKnown {
		t.Fatalf("access denied: %q known=%v", p, snaps[2].PolicyKnown)
	}
	if !snaps[5].Gone || snaps[5].Problem != "" || snaps[5].Name != "app/s0005" {
		t.Fatalf("deleted mid-sweep: %+v", snaps[5])
	}
	if p := snaps[9].Problem; !strings.HasPrefix(p, "GetResourcePolicy: ") || !strings.Contains(p, "ThrottlingException") {
		t.Fatalf("throttled: %q", p)
	}
	if !snaps[11].Gone || snaps[11].PolicyKnown {
		t.Fatalf("gone on describe: %+v", snaps[11])
	}
	// An access-denied message that names no action: the operation's.
	if s := snaps[13]; s.Problem != "DescribeSecret: missing permission secretsmanager:DescribeSecret (AccessDeniedException)" || !s.PolicyKnown || s.ReplicasKnown {
		t.Fatalf("describe denied: %+v", s)
	}
	if c := f.count("GetResourcePolicy"); c != 19 {
		t.Fatalf("GetResourcePolicy calls %d, want 19 (none after Gone)", c)
	}
	for i, s := range snaps {
		if i != 2 && i != 5 && i != 9 && i != 11 && i != 13 && (s.Problem != "" || s.Gone || !s.PolicyKnown) {
			t.Fatalf("secret %d: %+v", i, s)
		}
	}
}

func TestSweepBadARNIsAProblemNotAnError(t *testing.T) {
	f := newFake(3)
	f.secrets[1].ARN = aws.String("arn:aws:secretsmanager::" + fakeAccount + ":secret:x")
	pages, st := collect(t, &secret.Observer{Client: f, Region: "ap-south-1"}, secret.SweepOptions{}, secret.Needs{})
	s := pages[0].Snapshots[1]
	if st.Problems != 1 || !strings.HasPrefix(s.Problem, "ListSecrets: ") || s.Region != "ap-south-1" || s.Name != "app/s0001" {
		t.Fatalf("bad-ARN snapshot %+v, stats %+v", s, st)
	}
}

func TestSweepListErrorNamesTheToken(t *testing.T) {
	f := newFake(350)
	boom := errors.New("connection reset")
	f.listErrs["tok-200"] = boom
	var delivered []string
	st, err := observer(f).Sweep(context.Background(), secret.SweepOptions{}, secret.Needs{Policy: true}, func(p secret.Page) error {
		delivered = append(delivered, p.Token)
		return nil
	})
	var pe *secret.PageError
	if !errors.As(err, &pe) || pe.Token != "tok-200" || pe.Page != 3 || !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), `token "tok-200"`) {
		t.Fatalf("message %q", err)
	}
	if len(delivered) != 2 || st.Pages != 2 || st.Secrets != 200 {
		t.Fatalf("delivered %v, stats %+v", delivered, st)
	}
	// Resuming from the failed token finishes the sweep.
	delete(f.listErrs, "tok-200")
	pages, _ := collect(t, observer(f), secret.SweepOptions{StartToken: pe.Token}, secret.Needs{})
	if got := names(pages); len(got) != 150 || got[0] != "app/s0200" {
		t.Fatalf("resume: %d secrets", len(got))
	}
}

func TestSweepFnErrorStops(t *testing.T) {
	f := newFake(1000)
	stop := errors.New("stop")
	calls := 0
	st, err := observer(f).Sweep(context.Background(), secret.SweepOptions{}, secret.Needs{Policy: true}, func(p secret.Page) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 || st.Pages != 0 {
		t.Fatalf("err %v, fn calls %d, stats %+v", err, calls, st)
	}
	if c := f.count("ListSecrets"); c > 2 {
		t.Fatalf("ListSecrets calls %d after fn stopped at page 1", c)
	}
}

func TestSweepHoldsAtMostTwoPages(t *testing.T) {
	f := newFake(600)
	var maxAhead int
	_, err := observer(f).Sweep(context.Background(), secret.SweepOptions{}, secret.Needs{}, func(p secret.Page) error {
		time.Sleep(20 * time.Millisecond) // let the producer run ahead if it could
		delivered := 1
		if p.Token != "" {
			delivered = 1 + (mustAtoi(t, p.Token[len("tok-"):]) / 100)
		}
		maxAhead = max(maxAhead, f.count("ListSecrets")-delivered)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if maxAhead != 1 {
		t.Fatalf("producer ran %d pages ahead of fn, want 1", maxAhead)
	}
}

func TestSweepConcurrency(t *testing.T) {
	f := newFake(100)
	f.block = make(chan struct{})
	o := observer(f)
	o.Concurrency = 5
	go func() {
		for f.inflight.Load() < 5 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
		close(f.block)
	}()
	collect(t, o, secret.SweepOptions{}, secret.Needs{Policy: true})
	if m := f.maxInflight.Load(); m != 5 {
		t.Fatalf("max concurrent calls %d, want 5", m)
	}
}

func TestSweepCancelled(t *testing.T) {
	before := runtime.NumGoroutine()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := newFake(10)
	if _, err := observer(f).Sweep(ctx, secret.SweepOptions{}, secret.Needs{Policy: true}, func(secret.Page) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("pre-cancelled: %v", err)
	}
	if c := f.count("ListSecrets"); c != 0 {
		t.Fatalf("pre-cancelled sweep made %d calls", c)
	}

	// Cancel while every worker is blocked in GetResourcePolicy.
	f = newFake(300)
	f.block = make(chan struct{})
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		for f.inflight.Load() < 8 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	pages := 0
	_, err := observer(f).Sweep(ctx, secret.SweepOptions{}, secret.Needs{Policy: true}, func(secret.Page) error { pages++; return nil })
	if !errors.Is(err, context.Canceled) || pages != 0 {
		t.Fatalf("err %v after %d pages", err, pages)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %s", d)
	}
	if c := f.count("GetResourcePolicy"); c > 8+8 {
		t.Fatalf("%d GetResourcePolicy calls after cancel", c)
	}

	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("goroutines: %d before, %d after", before, n)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}
