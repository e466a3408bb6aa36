package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/tests/lab"
)

// tally counts what the story saw, for the summary.
type tally struct {
	mu                          sync.Mutex
	tickets, badSignatures      int
	remediated, attention, fail int
	workloads                   int
	nonCompliantBefore, after   int
	revokeHeadline              string
}

var seen tally

func (d *demo) seeded() {
	l := d.lab
	fmt.Fprintf(d.w, "  %d secrets in %s:\n", len(l.Account.Secrets), lab.Region)
	for _, s := range l.Account.Secrets {
		fmt.Fprintf(d.w, "    %-44s %s\n", s.Name, d.p.Dim(s.Shows))
	}
	for _, n := range l.Account.Notes {
		d.note("%s", n)
	}
	d.note("moto implements Config PutEvaluations only in TestMode, so the evaluator puts its evaluations to a local Config recorder at %s (AWS_ENDPOINT_URL_CONFIG_SERVICE); every other call goes to moto (AWS_ENDPOINT_URL).", l.Recorder.URL)
	d.note("tickets go to a local HTTPS webhook (%s) that verifies each message's HMAC; its key is the secret %s.", l.Sink.URL, lab.SigningSecret)
}

func (d *demo) ids() []string {
	ids := make([]string, len(d.lab.Account.Secrets))
	for i, s := range d.lab.Account.Secrets {
		ids[i] = s.ARN
	}
	return ids
}

func (d *demo) sweep(ctx context.Context, before lab.Verdicts) (lab.Verdicts, error) {
	start := time.Now()
	results, v, err := d.lab.Sweep(ctx)
	if err != nil {
		return nil, err
	}
	sent := 0
	for _, r := range results {
		sent += r.Sent
	}
	fmt.Fprintf(d.w, "  %d evaluator invocations (one per rule), %d evaluations put, %.1fs\n\n", len(results), sent, time.Since(start).Seconds())
	lab.WriteRules(d.w, d.p, v, d.ids())
	fmt.Fprintln(d.w)
	lab.WriteMatrix(d.w, d.p, v, before, d.ids())
	if before == nil {
		fmt.Fprintf(d.w, "\n  %s\n", d.p.Bold("What the annotations say (Config shows them per resource):"))
		lab.WriteFindings(d.w, d.p, v, d.ids())
	}
	return v, nil
}

func nonCompliant(v lab.Verdicts, ids []string) int {
	n := 0
	for _, c := range v.ByRule(ids) {
		n += c.NonCompliant
	}
	return n
}

func (d *demo) story(ctx context.Context) error {
	d.step("Evaluator sweep: every Config rule on every secret")
	before, err := d.sweep(ctx, nil)
	if err != nil {
		return err
	}
	seen.nonCompliantBefore = nonCompliant(before, d.ids())

	if err := d.remediate(ctx, before); err != nil {
		return err
	}

	d.step("Evaluator sweep again: the table after")
	after, err := d.sweep(ctx, before)
	if err != nil {
		return err
	}
	seen.after = nonCompliant(after, d.ids())

	if err := d.workloads(ctx); err != nil {
		return err
	}
	if err := d.revoke(ctx); err != nil {
		return err
	}
	d.summary()
	return nil
}

// notify drains the notifier's queue and feeds it to the notifier.
func (d *demo) notify(ctx context.Context) ([]*outcome.Detail, error) {
	msgs, err := d.lab.Drain(ctx, 500*time.Millisecond)
	if err != nil {
		return nil, err
	}
	evs, err := lab.Outcomes(msgs)
	if err != nil {
		return nil, err
	}
	if len(msgs) > 0 {
		fmt.Fprintf(d.w, "  notifier: %d events from the queue, in SQS batches of 10\n", len(msgs))
		failed, err := d.lab.Notify(ctx, msgs)
		if err != nil {
			return nil, err
		}
		if len(failed) > 0 {
			return nil, fmt.Errorf("the notifier failed %d records (see %s/notifier.log)", len(failed), d.logs)
		}
	}
	return lab.Details(evs), nil
}

// ticket prints one message the webhook received, as it arrives.
func (d *demo) ticket(t lab.Ticket) {
	seen.mu.Lock()
	seen.tickets++
	if !t.SignatureOK {
		seen.badSignatures++
	}
	seen.mu.Unlock()
	sig := d.p.Green("signature ok")
	if !t.SignatureOK {
		sig = d.p.Red("BAD SIGNATURE: " + t.Problem)
	}
	tk := t.Payload.Ticket
	if tk == nil {
		fmt.Fprintf(d.w, "    ticket %-7s %s %s\n", t.Action, t.EventID, sig)
		return
	}
	fmt.Fprintf(d.w, "    ticket %-7s %-8s %-18s %-32s %s\n", t.Action, tk.Severity, tk.Check, lab.SecretName(tk.SecretARN), sig)
}

func (d *demo) revoke(ctx context.Context) error {
	d.step("Revoker: an incident responder revokes prod/payments/db")
	s, ok := d.lab.Account.ByName("prod/payments/db", d.lab.Target)
	if !ok {
		return fmt.Errorf("prod/payments/db was not seeded")
	}
	req, err := d.lab.RevokeRequest(s.ARN)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "  request (events/revoker/valid.json, aimed at the seeded secret): incident %s, revokeSessions %v, break-glass %s\n\n",
		req.IncidentID, req.RevokeSessions, req.BreakGlassRole)
	rep, err := d.lab.Revoke(ctx, req)
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		fmt.Fprintln(d.w, "  "+line)
	}
	d.note("moto's RotateSecret is not AWS-faithful: it invokes no rotation function (the stand-in is a no-op) and moves the stages itself, so the rotation above proves the revoker's steps, not a real credential change.")
	d.note("CloudTrail LookupEvents does not exist in moto: the evidence says so and no sessions are revoked.")
	if _, err := d.notify(ctx); err != nil {
		return err
	}
	seen.revokeHeadline = rep.Summary
	return nil
}

func (d *demo) summary() {
	d.step("Summary")
	l := d.lab
	fmt.Fprintf(d.w, "  secrets seeded:                %d\n", len(l.Account.Secrets))
	fmt.Fprintf(d.w, "  non-compliant verdicts before: %d\n", seen.nonCompliantBefore)
	fmt.Fprintf(d.w, "  non-compliant verdicts after:  %d\n", seen.after)
	fmt.Fprintf(d.w, "  remediator outcomes:           %d remediated, %d ticketed, %d failed\n", seen.remediated, seen.attention, seen.fail)
	fmt.Fprintf(d.w, "  workloads decisions:           %d\n", seen.workloads)
	fmt.Fprintf(d.w, "  webhook messages received:     %d (%d with a bad signature)\n", seen.tickets, seen.badSignatures)
	fmt.Fprintf(d.w, "  revoker:                       %s\n", seen.revokeHeadline)
	names := make([]string, 0, len(l.Functions))
	for n := range l.Functions {
		names = append(names, n)
	}
	sort.Strings(names)
	var inits []string
	for _, n := range names {
		if dur, ok := l.Functions[n].InitDuration(); ok {
			inits = append(inits, fmt.Sprintf("%s %.0f ms", n, float64(dur.Microseconds())/1000))
		}
	}
	fmt.Fprintf(d.w, "  cold starts (emulator INIT):   %s\n", strings.Join(inits, ", "))
	if rel, err := filepath.Rel(l.Root, d.logs); err == nil {
		fmt.Fprintf(d.w, "  function logs:                 %s\n", rel)
	}
	fmt.Fprintf(d.w, "  wall time:                     %.1fs\n", time.Since(d.start).Seconds())
	_ = os.Stdout.Sync()
}
