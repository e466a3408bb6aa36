// Package publish sends secretguard's events (shared/outcome) to
// EventBridge: one place builds the entry (source, detail-type, the detail
// as JSON, the secret as resource, the bus) and reads PutEvents' per-entry
// failures, for the remediator, the revoker and accesswatch alike. It is
// apart from outcome so that consumers of the contract (the notifier) do
// not link the EventBridge client.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/secretguard/secretguard/shared/outcome"
)

// API is the EventBridge method Put calls (the SDK's signature).
type API interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ API = (*eventbridge.Client)(nil)

// IAMActions are what sending events needs, on the bus.
var IAMActions = []string{"events:PutEvents"}

// MaxEntries is EventBridge's limit of entries per PutEvents call.
const MaxEntries = 10

// Event is one detail to send.
type Event struct {
	DetailType string
	Detail     outcome.Detail
}

// Entry builds the EventBridge entry of an event on bus ("" is the
// account's default bus).
func Entry(bus string, ev Event) (ebtypes.PutEventsRequestEntry, error) {
	body, err := json.Marshal(ev.Detail)
	if err != nil {
		return ebtypes.PutEventsRequestEntry{}, fmt.Errorf("event %s: %w", ev.Detail.ID, err)
	}
	entry := ebtypes.PutEventsRequestEntry{
		Source: aws.String(outcome.Source), DetailType: aws.String(ev.DetailType), Detail: aws.String(string(body)),
		Resources: []string{ev.Detail.SecretARN}, Time: aws.Time(ev.Detail.Time),
	}
	if bus != "" {
		entry.EventBusName = aws.String(bus)
	}
	return entry, nil
}

// Put sends at most MaxEntries events in one PutEvents call. An event that
// does not marshal is left out and reported; an error of the call itself is
// returned as it is; each entry EventBridge refuses is reported with its
// event's ID, detail-type and EventBridge's error code and message.
func Put(ctx context.Context, api API, bus string, events []Event) error {
	if len(events) > MaxEntries {
		return fmt.Errorf("PutEvents: %d events, at most %d per call", len(events), MaxEntries)
	}
	var errs []error
	sent := make([]Event, 0, len(events))
	entries := make([]ebtypes.PutEventsRequestEntry, 0, len(events))
	for _, ev := range events {
		entry, err := Entry(bus, ev)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sent, entries = append(sent, ev), append(entries, entry)
	}
	if len(entries) == 0 {
		return errors.Join(errs...)
	}
	out, err := api.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for i, e := range out.Entries {
		if e.ErrorCode != nil && i < len(sent) {
			errs = append(errs, fmt.Errorf("PutEvents: event %s (%s) refused: %s: %s", sent[i].Detail.ID, sent[i].DetailType,
				aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage)))
		}
	}
	return errors.Join(errs...)
}
