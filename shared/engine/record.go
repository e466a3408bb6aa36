package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/outcome/publish"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
)

// record writes the ledger entry of a decision (when there is a ledger)
// and queues its event (sent by flush).
func (r *secretRun) record(ctx context.Context, cr *CheckResult, detailType string, undo []ledger.StoredCall, latest *ledger.Latest) error {
	if cr.ID == "" {
		cr.ID = r.newID("dec", cr.Check)
	}
	cr.Event = detailType
	if r.e.Ledger != nil {
		e := &ledger.Entry{
			ID: cr.ID, Time: r.now, SecretARN: r.sn.ARN, SecretName: r.sn.Name, AccountID: r.sn.AccountID, Region: r.sn.Region,
			Check: cr.Check, Decision: string(cr.Outcome), Mode: cr.Mode, Remedy: cr.Remedy, Compliance: string(after(cr)),
			Annotation: cr.Annotation, Why: cr.Why, Summary: cr.Summary, Calls: cr.Calls, Before: cr.Before, After: cr.After,
			Undo: undo, StateHash: r.hash, Trigger: r.req.Trigger, Actor: r.e.Actor,
		}
		if err := r.e.Ledger.Record(ctx, e, latest); err != nil {
			return err
		}
	}
	if r.e.Events != nil {
		r.events = append(r.events, publish.Event{DetailType: detailType, Detail: r.detail(cr)})
	}
	return nil
}

// recordRemediation records the result of an applied (or unplannable)
// remedy with its latest verdict, unconditionally (the claim made it ours).
func (r *secretRun) recordRemediation(ctx context.Context, cr *CheckResult, undo []ledger.StoredCall) error {
	if cr.ID == "" {
		cr.ID = r.newID("rem", cr.Check)
	}
	l := r.latestFor(cr, cr.Outcome, verdictKey(string(cr.Outcome), r.hash))
	return r.record(ctx, cr, detailTypeOf(cr.Outcome), undo, &l)
}

func after(cr *CheckResult) string {
	if cr.ComplianceAfter != "" {
		return string(cr.ComplianceAfter)
	}
	return string(cr.Compliance)
}

// detail is the event of a decision: configuration, never values.
func (r *secretRun) detail(cr *CheckResult) outcome.Detail {
	s := r.sn
	return outcome.Detail{
		ID: cr.ID, SecretARN: s.ARN, SecretName: s.Name, AccountID: s.AccountID, Region: s.Region, Partition: s.Partition,
		Owner: s.Tags["owner"], Check: cr.Check, Severity: outcome.SeverityOf(cr.Check), Compliance: after(cr),
		Annotation: cr.Annotation, Why: cr.Why, Remedy: cr.Remedy, Calls: cr.Calls, Before: cr.Before, After: cr.After,
		Fix: cr.Fix, Waiver: cr.Waiver, Time: r.now,
		// In preview, calls are only ever planned, never sent.
		DryRun: r.preview() && len(cr.Calls) > 0,
	}
}

// flush sends the queued events, ten per PutEvents call.
func (r *secretRun) flush(ctx context.Context) error {
	var errs []error
	for len(r.events) > 0 {
		n := min(len(r.events), publish.MaxEntries)
		batch := r.events[:n]
		r.events = r.events[n:]
		if err := publish.Put(ctx, r.e.Events, r.e.EventBus, batch); err != nil {
			errs = append(errs, fmt.Errorf("PutEvents (%d events about %s): %w", len(batch), r.sn.ARN, err))
		}
	}
	return errors.Join(errs...)
}

// newID names a decision: prefix, time and a hash of the secret, the
// parts and the time, e.g. rem-20260304T090000Z-1a2b3c4d5e.
func (r *secretRun) newID(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(append([]string{r.sn.ARN, r.now.Format("2006-01-02T15:04:05.000000000")}, parts...), "\n")))
	return prefix + "-" + r.now.Format("20060102T150405Z") + "-" + hex.EncodeToString(h[:5])
}

// stateHash identifies a secret's configuration as remedies see it
// (remedies.StateOf: rotation, key, tags, policy, replicas; no dates, no
// values).
func stateHash(s *secret.Snapshot) string {
	body, _ := json.Marshal(remedies.StateOf(s)) // a State always marshals
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:12])
}

// verdictKey identifies a decision on a state for Latest.
func verdictKey(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(h[:12])
}
