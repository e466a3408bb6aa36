package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/secretguard/secretguard/shared/revoke"
)

// Handler translates a Lambda invocation into a revoke.Runner run.
type Handler struct {
	Runner *revoke.Runner
	Log    *slog.Logger
}

// Handle decodes the request strictly and runs it. A bad request is the
// function's error (nothing changed); otherwise the result is the report,
// whose first line says whether access is cut and the credentials replaced,
// even when a secret failed (the report says how).
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (*revoke.Report, error) {
	req, err := revoke.DecodeRequest(payload, h.Runner.MaxSecrets)
	if err != nil {
		h.Log.Error("bad request", "error", err.Error())
		return nil, err
	}
	rep, err := h.Runner.Run(ctx, req)
	if rep == nil {
		h.Log.Error("revoke refused", "incident", req.IncidentID, "error", err.Error())
		return nil, err
	}
	if err != nil {
		h.Log.Error("revoke incomplete", "incident", req.IncidentID, "error", err.Error())
	}
	return rep, nil
}
