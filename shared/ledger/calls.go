package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/remedies"
)

// StoredCall is a remedies.Call as the ledger keeps it: the service, the
// operation and the SDK input as JSON (remedies.Params).
type StoredCall struct {
	Service   string          `json:"service"`
	Operation string          `json:"operation"`
	Input     json.RawMessage `json:"input"`
}

// StoreCalls converts calls for an Entry.
func StoreCalls(calls []remedies.Call) ([]StoredCall, error) {
	out := make([]StoredCall, 0, len(calls))
	for _, c := range calls {
		in, err := remedies.Params(c)
		if err != nil {
			return nil, err
		}
		out = append(out, StoredCall{Service: c.Service, Operation: c.Operation, Input: in})
	}
	return out, nil
}

// undoInputs are the operations an undo may send, each with a constructor
// of its typed input. Remedies' Undo calls use only these.
var undoInputs = map[string]func() any{
	"RotateSecret":         func() any { return new(secretsmanager.RotateSecretInput) },
	"TagResource":          func() any { return new(secretsmanager.TagResourceInput) },
	"UntagResource":        func() any { return new(secretsmanager.UntagResourceInput) },
	"PutResourcePolicy":    func() any { return new(secretsmanager.PutResourcePolicyInput) },
	"DeleteResourcePolicy": func() any { return new(secretsmanager.DeleteResourcePolicyInput) },
}

// Call rebuilds the typed call: the JSON is decoded strictly into the
// *secretsmanager.XxxInput of the operation. Another service, an operation
// an undo never uses, an unknown field or a call for another secret than
// secretARN is refused.
func (c StoredCall) Call(secretARN string) (remedies.Call, error) {
	if c.Service != remedies.ServiceSecretsManager {
		return remedies.Call{}, fmt.Errorf("stored call %s:%s: service %q is not one an undo uses", c.Service, c.Operation, c.Service)
	}
	mk, ok := undoInputs[c.Operation]
	if !ok {
		return remedies.Call{}, fmt.Errorf("stored call %s:%s: operation %q is not one an undo uses", c.Service, c.Operation, c.Operation)
	}
	var target struct{ SecretId string }
	if err := json.Unmarshal(c.Input, &target); err != nil || target.SecretId != secretARN {
		return remedies.Call{}, fmt.Errorf("stored call %s names secret %q, not %q", c.Operation, target.SecretId, secretARN)
	}
	in := mk()
	dec := json.NewDecoder(bytes.NewReader(c.Input))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		return remedies.Call{}, fmt.Errorf("stored call %s: input: %w", c.Operation, err)
	}
	return remedies.Call{Service: c.Service, Operation: c.Operation, Input: in}, nil
}
