package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// Undo errors.
var (
	// ErrNothingToUndo: the remediation sent no change that can be
	// reverted (its remedy has no undo, or it was a ticket).
	ErrNothingToUndo = errors.New("nothing to undo")
	// ErrChanged: the secret changed since the remediation where undo
	// would write, so undo would clobber someone's change.
	ErrChanged = errors.New("the secret changed since the remediation")
)

// UndoResult is what Undo did (or, in dry-run, would do).
type UndoResult struct {
	ID            string         `json:"id,omitempty"`
	RemediationID string         `json:"remediationId"`
	SecretARN     string         `json:"secretArn"`
	Check         string         `json:"check"`
	Remedy        string         `json:"remedy"`
	DryRun        bool           `json:"dryRun,omitempty"`
	Calls         []outcome.Call `json:"calls"`
	Before        *outcome.State `json:"before,omitempty"`
	After         *outcome.State `json:"after,omitempty"`
	// Compliance is the check's verdict after the undo; Waiver the tag
	// that keeps secretguard from fixing it again.
	Compliance checks.Compliance `json:"compliance,omitempty"`
	Waiver     string            `json:"waiver,omitempty"`
}

// Undo restores the before-state of a remediation (tighten-policy,
// add-tags, fix-schedule) with the Undo calls stored in its ledger entry.
// It first observes the secret and refuses (ErrChanged, naming each
// difference) when what the remediation wrote was changed since, and it
// refuses a remediation already undone. The undo is recorded in the ledger
// as an entry of its own, and the remediation is marked undone.
func (e *Engine) Undo(ctx context.Context, id string, dryRun bool) (UndoResult, error) {
	res := UndoResult{RemediationID: id, DryRun: dryRun}
	if e.Ledger == nil {
		return res, errors.New("undo needs the ledger: name the table (TABLE_NAME or --table)")
	}
	entry, err := e.Ledger.Get(ctx, id)
	if err != nil {
		return res, err
	}
	res.SecretARN, res.Check, res.Remedy = entry.SecretARN, entry.Check, entry.Remedy
	switch {
	case entry.UndoneBy != "":
		return res, fmt.Errorf("%w: remediation %s was already undone by %s on %s", ErrNothingToUndo, id, entry.UndoneBy, entry.UndoneAt.Format("2006-01-02 15:04:05Z"))
	case entry.Decision == string(OutcomePlanned) || slices.ContainsFunc(entry.Calls, func(c outcome.Call) bool { return c.Outcome == "dry-run" }):
		return res, fmt.Errorf("%w: %s was a preview (DRY_RUN was on): secretguard changed nothing", ErrNothingToUndo, id)
	case len(entry.Undo) == 0:
		return res, fmt.Errorf("%w: remediation %s (%s, %s) has no undo: only tighten-policy, add-tags and fix-schedule changes can be reverted without weakening the secret", ErrNothingToUndo, id, orNone(entry.Remedy), entry.Decision)
	case entry.After == nil || entry.Before == nil:
		return res, fmt.Errorf("%w: remediation %s recorded no before/after state to compare with", ErrNothingToUndo, id)
	}
	calls := make([]remedies.Call, 0, len(entry.Undo))
	for _, sc := range entry.Undo {
		c, err := sc.Call(entry.SecretARN)
		if err != nil {
			return res, fmt.Errorf("remediation %s: refusing its stored undo: %w", id, err)
		}
		calls = append(calls, c)
	}
	account, region, err := locate(Request{SecretID: entry.SecretARN})
	if err != nil {
		return res, err
	}
	cl, err := e.clientsFor(ctx, account, region)
	if err != nil {
		return res, err
	}
	obs := e.observer(cl, region)
	sn, err := obs.Secret(ctx, entry.SecretARN, secret.Needs{Policy: true})
	if err != nil {
		return res, fmt.Errorf("observe %s before undo: %w", entry.SecretARN, err)
	}
	now := remedies.StateOf(sn)
	res.Before = &now
	if diffs := conflicts(*entry.Before, *entry.After, now); len(diffs) > 0 {
		return res, fmt.Errorf("%w, so undo would overwrite a newer change; refusing. %s. Revert by hand if you still want to", ErrChanged, strings.Join(diffs, "; "))
	}
	if dryRun {
		res.Calls = remedies.Plan{Calls: calls}.OutcomeCalls("dry-run")
		return res, nil
	}
	res.Calls, err = remedies.Apply(ctx, cl.remedies, calls)
	u := &ledger.Entry{ID: "undo-" + strings.TrimPrefix(id, "rem-"), Time: e.now(), SecretARN: sn.ARN, SecretName: sn.Name,
		AccountID: sn.AccountID, Region: sn.Region, Check: entry.Check, Decision: "undone", Remedy: entry.Remedy,
		Calls: res.Calls, Before: res.Before, UndoOf: id, Trigger: "undo", Actor: e.Actor}
	res.ID = u.ID
	if err != nil {
		u.Decision, u.Why = "undo-failed", err.Error()
		if perr := e.Ledger.Record(ctx, u, nil); perr != nil {
			return res, errors.Join(err, perr)
		}
		return res, fmt.Errorf("undo %s stopped at a failing call (the calls before it were applied): %w", id, err)
	}
	e.afterUndo(ctx, obs, sn.ARN, u, &res)
	latest := ledger.Latest{Check: u.Check, Compliance: u.Compliance, Key: verdictKey("undone", u.ID), Decision: u.Decision, ID: u.ID, Time: u.Time}
	if err := e.Ledger.Record(ctx, u, &latest); err != nil {
		return res, err
	}
	return res, e.Ledger.MarkUndone(ctx, id, u.ID, u.Time)
}

// afterUndo observes the secret again and evaluates the check, for the
// entry and the result.
func (e *Engine) afterUndo(ctx context.Context, obs *secret.Observer, arn string, u *ledger.Entry, res *UndoResult) {
	sn, err := obs.Secret(ctx, arn, secret.Needs{Policy: true})
	if err != nil {
		u.Why = "could not observe the secret after the undo: " + err.Error()
		return
	}
	st := remedies.StateOf(sn)
	u.After, res.After = &st, &st
	if c, ok := checks.ByID(u.Check); ok {
		v := scan.Evaluate(sn, []checks.Check{c}, e.Baseline, e.now())[0]
		u.Compliance, u.Annotation, res.Compliance = string(v.Compliance), v.Annotation, v.Compliance
		if v.Compliance == checks.NonCompliant {
			res.Waiver = WaiverTag(e.Baseline, u.Check, e.now())
			u.Why = fmt.Sprintf("The check fails again; in mode %s secretguard acts on the next event unless the secret carries the waiver tag.", e.Baseline.Mode(u.Check))
		}
	}
}

// conflicts lists what the remediation wrote (the fields where before and
// after differ) that is no longer as it left it.
func conflicts(before, after, now outcome.State) []string {
	var out []string
	field := func(name, b, a, n string) {
		if b != a && a != n {
			out = append(out, fmt.Sprintf("%s is now %s; the remediation left %s", name, orNone(n), orNone(a)))
		}
	}
	field("rotation", fmt.Sprint(before.RotationEnabled), fmt.Sprint(after.RotationEnabled), fmt.Sprint(now.RotationEnabled))
	field("the rotation function", before.RotationLambdaARN, after.RotationLambdaARN, now.RotationLambdaARN)
	field("the rotation schedule", before.RotationSchedule, after.RotationSchedule, now.RotationSchedule)
	field("the KMS key", before.KMSKeyID, after.KMSKeyID, now.KMSKeyID)
	field("the replica Regions", strings.Join(before.Replicas, ","), strings.Join(after.Replicas, ","), strings.Join(now.Replicas, ","))
	if bp, ap, np := canonical(before.ResourcePolicy), canonical(after.ResourcePolicy), canonical(now.ResourcePolicy); bp != ap && ap != np {
		out = append(out, "the resource policy was changed since the remediation")
	}
	keys := slices.Sorted(maps.Keys(before.Tags))
	for k := range after.Tags {
		if _, ok := before.Tags[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		b, bok := before.Tags[k]
		a, aok := after.Tags[k]
		n, nok := now.Tags[k]
		if (b != a || bok != aok) && (a != n || aok != nok) {
			out = append(out, fmt.Sprintf("tag %s is now %s; the remediation left %s", k, tagText(n, nok), tagText(a, aok)))
		}
	}
	return out
}

func tagText(v string, ok bool) string {
	if !ok {
		return "(absent)"
	}
	return fmt.Sprintf("%q", v)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// canonical re-encodes a JSON document with sorted keys and no spacing, so
// that a policy AWS reformatted compares equal; other text is kept.
func canonical(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return doc
	}
	b, err := json.Marshal(v)
	if err != nil {
		return doc
	}
	return string(b)
}
