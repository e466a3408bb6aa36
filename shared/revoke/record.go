package revoke

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"

	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/outcome"
)

// Call outcomes besides "ok" and an error's text.
const (
	OutcomeOK     = "ok"
	OutcomeDryRun = "dry-run"
)

// params are a call's parameters as the report shows them: only what is
// set, never a secret value (the revoker has none).
type params map[string]any

// recorder runs and records the calls of one step (or of the preflight).
// In dry-run, reads run and writes are only recorded.
type recorder struct {
	dryRun bool
	mu     sync.Mutex
	calls  []outcome.Call
}

// read makes a read-only call and records it.
func (r *recorder) read(service, op string, p params, fn func() error) error {
	err := fn()
	r.add(service, op, p, outcomeOf(err))
	return err
}

// write makes a call that changes something and records it; in dry-run it
// only records it, with outcome "dry-run".
func (r *recorder) write(service, op string, p params, fn func() error) error {
	if r.dryRun {
		r.add(service, op, p, OutcomeDryRun)
		return nil
	}
	err := fn()
	r.add(service, op, p, outcomeOf(err))
	return err
}

func (r *recorder) add(service, op string, p params, result string) {
	var raw json.RawMessage
	if len(p) > 0 {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p); err == nil {
			raw = json.RawMessage(bytes.TrimSpace(buf.Bytes()))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, outcome.Call{Service: service, Operation: op, Params: raw, Outcome: result})
}

func (r *recorder) take() []outcome.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

// outcomeOf describes a call's result: "ok", the missing permission for
// access denied, "Code: message" for API errors.
func outcomeOf(err error) string {
	if err == nil {
		return OutcomeOK
	}
	return errText(err)
}

// errText is a short description of an AWS error for reports.
func errText(err error) string {
	if msg, ok := awsenv.MissingPermission(err); ok {
		return msg
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if ae.ErrorMessage() == "" {
			return ae.ErrorCode()
		}
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}
