package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/secretguard/secretguard/shared/tickets"
)

// Applier applies one event to the tickets (*tickets.Tracker).
type Applier interface {
	Handle(ctx context.Context, e *tickets.Event) (tickets.Result, error)
}

// Handler translates a Lambda invocation into Tracker calls. It takes
// either one EventBridge event (an EventBridge rule invoking the function
// asynchronously) or an SQS batch whose message bodies are EventBridge
// events (an EventBridge rule targeting a queue the function polls).
type Handler struct {
	Tracker Applier
	Log     *slog.Logger
}

// Summary is the function's result for one EventBridge event.
type Summary struct {
	EventID string            `json:"eventId"`
	Outcome string            `json:"outcome"`
	Sinks   map[string]string `json:"sinks,omitempty"`
}

// Handle is the Lambda handler. For one EventBridge event it returns an
// error when the event could not be applied, so that Lambda retries it and
// then sends it to the on-failure destination (DLQ). For an SQS batch it
// returns the records that failed as batchItemFailures (the event source
// mapping needs ReportBatchItemFailures), which SQS redrives and finally
// moves to the queue's DLQ; the others are deleted.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	if batch, ok := sqsBatch(payload); ok {
		return h.handleBatch(ctx, batch), nil
	}
	sum, err := h.apply(ctx, payload, "")
	if err != nil {
		return nil, err
	}
	return sum, nil
}

// sqsBatch recognises an SQS event: Records whose eventSource is aws:sqs.
func sqsBatch(payload []byte) (*events.SQSEvent, bool) {
	if !bytes.Contains(payload, []byte(`"Records"`)) {
		return nil, false
	}
	var e events.SQSEvent
	if err := json.Unmarshal(payload, &e); err != nil || len(e.Records) == 0 {
		return nil, false
	}
	for _, r := range e.Records {
		if r.EventSource != "aws:sqs" {
			return nil, false
		}
	}
	return &e, true
}

func (h *Handler) handleBatch(ctx context.Context, batch *events.SQSEvent) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, r := range batch.Records {
		if ctx.Err() != nil { // out of time: let SQS redrive the rest
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			continue
		}
		if _, err := h.apply(ctx, []byte(r.Body), r.MessageId); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		}
	}
	return resp
}

// apply parses and applies one event, and logs what happened: IDs, the
// secret's ARN, the check and each sink's action, never values.
func (h *Handler) apply(ctx context.Context, body []byte, messageID string) (Summary, error) {
	log := h.log()
	if messageID != "" {
		log = log.With("sqsMessageId", messageID)
	}
	e, err := tickets.ParseEvent(body)
	if err != nil {
		log.ErrorContext(ctx, "rejected event", "error", err.Error(), "retryable", false)
		return Summary{}, err
	}
	log = log.With("eventId", e.Detail.ID, "eventBridgeId", e.ID, "detailType", e.DetailType, "secretArn", e.Detail.SecretARN)
	res, err := h.Tracker.Handle(ctx, e)
	sum := Summary{EventID: e.Detail.ID, Outcome: res.Outcome, Sinks: res.Sinks}
	if err != nil {
		log.ErrorContext(ctx, "event not applied", "check", res.Key.Check, "outcome", res.Outcome, "sinks", res.Sinks,
			"busy", errors.Is(err, tickets.ErrBusy), "error", err.Error(), "retryable", true)
		return sum, fmt.Errorf("event %s: %w", e.Detail.ID, err)
	}
	log.InfoContext(ctx, "event applied", "check", res.Key.Check, "outcome", res.Outcome, "sinks", res.Sinks)
	return sum, nil
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.New(slog.DiscardHandler)
}
