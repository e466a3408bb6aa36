package revoke

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/outcome/publish"
)

// EventsAPI sends the Secret Revoked event.
type EventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ EventsAPI = (*eventbridge.Client)(nil)

var emitActions = publish.IAMActions

// maxDetailBytes keeps an event under EventBridge's 256 KB entry limit.
const maxDetailBytes = 200 * 1024

// EventID is the ID of the event about one secret's revocation reaching a
// status: the notifier deduplicates on it, so an event re-sent after a crash
// is one ticket, and a changed outcome (a failed rotation that later
// succeeds) is another.
func EventID(incident, secretARN, status string) string {
	h := sha256.Sum256([]byte(secretARN))
	return "revoke:" + incident + ":" + hex.EncodeToString(h[:6]) + ":" + status
}

// stepEmit sends a Secret Revoked event (severity CRITICAL) with the
// secret's report, unless one was sent for the same outcome already.
func (u *run) stepEmit(ctx context.Context, t *target, rec *recorder) (string, string, error) {
	rep, p := &t.item.report, &t.item.progress
	rep.headline(p, u.req.DryRun)
	if !u.req.DryRun && p.Emitted == rep.Status {
		return "", "", nil
	}
	s := t.snap
	id := EventID(u.req.IncidentID, s.ARN, rep.Status)
	d := outcome.Detail{
		ID: id, SecretARN: s.ARN, SecretName: s.Name, AccountID: s.AccountID, Region: s.Region, Partition: s.Partition,
		Owner: s.Tags["owner"], Severity: outcome.SeverityCritical, Annotation: rep.Headline, Why: u.req.Reason,
		IncidentID: u.req.IncidentID, DryRun: u.req.DryRun, Time: u.now(),
	}
	report, err := reportJSON(rep)
	if err != nil {
		return "", "", err
	}
	d.Report = report
	ev := publish.Event{DetailType: outcome.TypeRevoked, Detail: d}
	shown := params{"Source": outcome.Source, "DetailType": outcome.TypeRevoked, "EventBusName": u.EventBus,
		"Resources": []string{s.ARN}, "Detail": map[string]any{"id": id, "severity": d.Severity, "annotation": d.Annotation, "report": fmt.Sprintf("(%d bytes)", len(report))}}
	err = rec.write("events", "PutEvents", params{"Entries": []params{shown}}, func() error {
		return publish.Put(ctx, u.Events, u.EventBus, []publish.Event{ev})
	})
	if err != nil {
		p.Err = "the Secret Revoked event was not sent: " + errText(err)
		return StepFailed, p.Err, nil
	}
	if u.req.DryRun {
		return StepDryRun, "would send a Secret Revoked event (CRITICAL) with this report, id " + id, nil
	}
	p.Emitted = rep.Status
	return StepDone, "sent a Secret Revoked event (CRITICAL), id " + id, nil
}

// reportJSON is the report as the event carries it; a report too large for
// an event loses its call parameters and reader lists (the state item and
// the invocation's result keep them).
func reportJSON(rep *SecretReport) (json.RawMessage, error) {
	raw, err := json.Marshal(rep)
	if err != nil || len(raw) <= maxDetailBytes {
		return raw, err
	}
	small := *rep
	small.Steps = make([]StepRecord, len(rep.Steps))
	for i, st := range rep.Steps {
		st.Calls = nil
		small.Steps[i] = st
	}
	if rep.Evidence != nil {
		ev := *rep.Evidence
		ev.ResourcePolicy, ev.CloudTrail.Callers = "(omitted: see the revoker's state item)", nil
		small.Evidence = &ev
	}
	return json.Marshal(&small)
}
