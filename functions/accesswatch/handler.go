package main

import (
	"context"
	"encoding/json"

	"github.com/secretguard/secretguard/shared/accessdenied"
)

// Handler passes each EventBridge event to the Watcher as it came.
type Handler struct {
	Watcher *accessdenied.Watcher
}

// Handle is the Lambda handler; its result says whether an alert was sent,
// throttled or skipped.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (accessdenied.Result, error) {
	return h.Watcher.Handle(ctx, payload)
}
