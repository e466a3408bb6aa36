package accessdenied

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/outcome/publish"
)

// EventsAPI is the EventBridge method the Watcher sends with.
type EventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ EventsAPI = (*eventbridge.Client)(nil)

// IAMActions are what the Watcher needs besides its Throttle's.
var IAMActions = publish.IAMActions

// Watcher turns refused secret reads into Secret Access Denied events.
type Watcher struct {
	Events   EventsAPI
	EventBus string
	Throttle Throttle
	Log      *slog.Logger
	Now      func() time.Time
}

// Result says what Handle did with one event.
type Result struct {
	Sent       bool   `json:"sent"`
	Throttled  bool   `json:"throttled,omitempty"`
	Skipped    string `json:"skipped,omitempty"`
	DetailID   string `json:"detailId,omitempty"`
	Suppressed int    `json:"suppressed,omitempty"`
}

// Handle serves one EventBridge event. A CloudTrail event that is not a
// refused secret read is skipped (not an error); a payload that is not a
// CloudTrail event is an error, as is a failure to throttle or send
// (EventBridge retries the invocation, and the detail ID lets the notifier
// drop a duplicate).
func (w *Watcher) Handle(ctx context.Context, payload []byte) (Result, error) {
	d, err := Parse(payload)
	switch {
	case errors.Is(err, ErrNotDenial):
		return Result{Skipped: err.Error()}, nil
	case err != nil:
		return Result{}, err
	}
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	ok, suppressed, err := w.Throttle.Admit(ctx, d.CallerKey(), d.EventID, now)
	if err != nil {
		return Result{}, err
	}
	log := w.log().With("secretArn", d.SecretARN, "caller", d.Caller.ARN, "errorCode", d.Caller.ErrorCode, "eventId", d.EventID)
	if !ok {
		log.Info("refusal throttled")
		return Result{Throttled: true}, nil
	}
	detail := d.Detail(suppressed)
	if err := publish.Put(ctx, w.Events, w.EventBus, []publish.Event{{DetailType: outcome.TypeAccessDenied, Detail: detail}}); err != nil {
		return Result{}, fmt.Errorf("PutEvents: %w", err)
	}
	log.Warn("secret access denied", "detailId", detail.ID, "suppressed", suppressed)
	return Result{Sent: true, DetailID: detail.ID, Suppressed: suppressed}, nil
}

func (w *Watcher) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}
