package tickets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Outcomes of Tracker.Handle.
const (
	OutcomeDuplicate = "duplicate"      // the event ID was already applied
	OutcomeStale     = "stale"          // older than the last event applied
	OutcomeOpened    = "opened"         // a new ticket
	OutcomeUpdated   = "updated"        // the finding changed: added to the ticket
	OutcomeUnchanged = "unchanged"      // same finding again: nothing sent
	OutcomeResolved  = "resolved"       // the check passes again
	OutcomeNoTicket  = "no open ticket" // passing, and nothing was open
	OutcomeFailed    = "failed"         // a sink failed: retry the event
)

// DefaultLease is how long a ticket's lock is held when the context has
// no deadline; with one, the lock lasts until 10 s past it.
const DefaultLease = 5 * time.Minute

// Tracker keeps one ticket per (secret, check) in every sink: it opens one
// when a finding needs a person, adds to it when the finding changes and
// resolves it when the check passes again. It is idempotent on the
// event's detail.id, ignores events older than the last one applied to the
// ticket, and serialises work on one ticket with a lock in DynamoDB.
type Tracker struct {
	Store   *Store
	Sinks   []Sink
	Options Options // waiver hints from the baseline
	Log     *slog.Logger
	Now     func() time.Time
	Lease   time.Duration
}

// Result says what Handle did.
type Result struct {
	Key     Key
	Outcome string
	// Sinks maps each sink's name to what it did: open, update, resolve,
	// or why it did nothing (filtered, already applied, unchanged, no
	// open ticket, error).
	Sinks map[string]string
}

// Handle applies one event. An error means the event must be retried
// (ErrBusy while another invocation holds the ticket, a sink or DynamoDB
// failure): sinks that succeeded are remembered and not called again for
// this event.
func (tr *Tracker) Handle(ctx context.Context, e *Event) (Result, error) {
	now := tr.now()
	k := KeyOf(e.DetailType, e.Detail)
	id := e.Detail.ID
	res := Result{Key: k, Sinks: map[string]string{}}

	if done, err := tr.Store.Done(ctx, id, k); err != nil {
		return res, err
	} else if done {
		res.Outcome = OutcomeDuplicate
		return res, nil
	}
	st, lease, err := tr.Store.Lock(ctx, k, owner(id), now, tr.leaseUntil(ctx, now))
	if err != nil {
		return res, err
	}

	t := NewTicket(e, tr.Options)
	fp := t.Fingerprint()
	switch {
	case !t.Time.IsZero() && t.Time.Before(st.LastTime):
		res.Outcome = OutcomeStale
	case t.Passing && st.Status == StatusOpen:
		res.Outcome = OutcomeResolved
	case t.Passing:
		res.Outcome = OutcomeNoTicket
	case st.Status != StatusOpen:
		res.Outcome = OutcomeOpened
	case st.Fingerprint != fp:
		res.Outcome = OutcomeUpdated
	default:
		res.Outcome = OutcomeUnchanged
	}

	var errs []error
	if res.Outcome != OutcomeStale {
		errs = tr.apply(ctx, t, st, lease, fp, &res)
	}
	if len(errs) > 0 {
		res.Outcome = OutcomeFailed
		if err := tr.Store.Save(ctx, k, st, lease, true, now); err != nil {
			errs = append(errs, err)
		}
		return res, fmt.Errorf("ticket %s, event %s: %w", k, id, errors.Join(errs...))
	}
	if res.Outcome != OutcomeStale {
		switch {
		case !t.Passing:
			if st.Status != StatusOpen {
				st.OpenedAt = t.Time
			}
			st.Status = StatusOpen
		case st.Status == StatusOpen:
			st.Status = StatusResolved
		}
		st.Fingerprint, st.LastEvent = fp, id
		if t.Time.After(st.LastTime) {
			st.LastTime = t.Time
		}
	}
	if err := tr.Store.Save(ctx, k, st, lease, true, now); err != nil {
		return res, err
	}
	return res, tr.Store.MarkDone(ctx, id, k, now)
}

// apply calls each sink: open where no ticket is open, update where the
// finding changed, resolve where one is open and the check passes. Each
// success is saved at once, so that a retry skips it.
func (tr *Tracker) apply(ctx context.Context, t *Ticket, st *State, lease Lease, fp string, res *Result) []error {
	var errs []error
	changed := st.Fingerprint != fp
	for _, sk := range tr.Sinks {
		name := sk.Name()
		ss := st.Sinks[name]
		var a Action
		switch {
		case !sk.Accepts(t.Severity):
			res.Sinks[name] = "filtered"
			continue
		case ss.Event == t.EventID:
			res.Sinks[name] = "already applied"
			continue
		case t.Passing && !ss.Open:
			res.Sinks[name] = "no open ticket"
			continue
		case t.Passing:
			a = ActionResolve
		case !ss.Open:
			a = ActionOpen
		case changed:
			a = ActionUpdate
		default:
			res.Sinks[name] = "unchanged"
			continue
		}
		var ref string
		var err error
		switch a {
		case ActionOpen:
			ref, err = sk.Open(ctx, ss.Ref, t)
		case ActionUpdate:
			ref, err = sk.Update(ctx, ss.Ref, t)
		default:
			ref, err = sk.Resolve(ctx, ss.Ref, t)
		}
		if err != nil {
			res.Sinks[name] = "error"
			tr.log().ErrorContext(ctx, "sink failed", "sink", name, "action", string(a), "secretArn", t.SecretARN,
				"check", t.Check, "eventId", t.EventID, "error", err.Error())
			errs = append(errs, fmt.Errorf("sink %s: %w", name, err))
			continue
		}
		res.Sinks[name] = string(a)
		st.Sinks[name] = SinkState{Ref: first(ref, ss.Ref), Open: a != ActionResolve, Event: t.EventID}
		if err := tr.Store.Save(ctx, t.Key(), st, lease, false, tr.now()); err != nil {
			return append(errs, err)
		}
	}
	return errs
}

func (tr *Tracker) leaseUntil(ctx context.Context, now time.Time) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return dl.Add(10 * time.Second)
	}
	if tr.Lease > 0 {
		return now.Add(tr.Lease)
	}
	return now.Add(DefaultLease)
}

func (tr *Tracker) now() time.Time {
	if tr.Now != nil {
		return tr.Now()
	}
	return time.Now()
}

func (tr *Tracker) log() *slog.Logger {
	if tr.Log != nil {
		return tr.Log
	}
	return slog.New(slog.DiscardHandler)
}

// owner names one attempt at one event: a duplicate delivery running at
// the same time is a different owner and waits.
func owner(id string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return id + "/" + hex.EncodeToString(b)
}
