package remedies

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/outcome"
)

// Outcome of a call that succeeded.
const OutcomeOK = "ok"

// Apply sends the calls in order with c.Secrets. It stops at the first error
// and returns what was done: each sent call with outcome "ok", the failed one
// with the error's text, and the error (wrapped with the operation and the
// secret, "RotateSecret arn:...: ..."). Calls after a failure are not sent
// and not listed.
//
// Apply refuses, before sending anything, a call it does not know or one that
// would carry a secret value (UpdateSecret with SecretString or
// SecretBinary): remedies never write values.
func Apply(ctx context.Context, c Clients, calls []Call) ([]outcome.Call, error) {
	for _, call := range calls {
		if err := validate(call); err != nil {
			return nil, err
		}
	}
	if len(calls) > 0 && c.Secrets == nil {
		return nil, errors.New("remedies: Apply: no Secrets Manager client")
	}
	done := make([]outcome.Call, 0, len(calls))
	for _, call := range calls {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		err := send(ctx, c.Secrets, call)
		if err != nil {
			done = append(done, call.Outcome(err.Error()))
			return done, fmt.Errorf("%s %s: %w", call.Operation, secretID(call), err)
		}
		done = append(done, call.Outcome(OutcomeOK))
	}
	return done, nil
}

// validate checks that a call is one Apply can send, that its Service and
// Operation match its Input, and that it carries no secret value.
func validate(c Call) error {
	op, ok := operationOf(c.Input)
	switch {
	case !ok:
		return fmt.Errorf("remedies: Apply: unsupported call %s:%s with input %T", c.Service, c.Operation, c.Input)
	case c.Service != ServiceSecretsManager || c.Operation != op:
		return fmt.Errorf("remedies: Apply: call %s:%s does not match its input %T", c.Service, c.Operation, c.Input)
	}
	if u, ok := c.Input.(*secretsmanager.UpdateSecretInput); ok && (u.SecretString != nil || u.SecretBinary != nil) {
		return errors.New("remedies: Apply: refusing an UpdateSecret that carries a secret value")
	}
	return nil
}

// operationOf names the operation of a supported (non-nil) input.
func operationOf(in any) (string, bool) {
	switch v := in.(type) {
	case *secretsmanager.RotateSecretInput:
		return "RotateSecret", v != nil
	case *secretsmanager.UpdateSecretInput:
		return "UpdateSecret", v != nil
	case *secretsmanager.TagResourceInput:
		return "TagResource", v != nil
	case *secretsmanager.UntagResourceInput:
		return "UntagResource", v != nil
	case *secretsmanager.PutResourcePolicyInput:
		return "PutResourcePolicy", v != nil
	case *secretsmanager.DeleteResourcePolicyInput:
		return "DeleteResourcePolicy", v != nil
	case *secretsmanager.ReplicateSecretToRegionsInput:
		return "ReplicateSecretToRegions", v != nil
	}
	return "", false
}

func send(ctx context.Context, sm SecretsAPI, c Call) error {
	var err error
	switch in := c.Input.(type) {
	case *secretsmanager.RotateSecretInput:
		_, err = sm.RotateSecret(ctx, in)
	case *secretsmanager.UpdateSecretInput:
		_, err = sm.UpdateSecret(ctx, in)
	case *secretsmanager.TagResourceInput:
		_, err = sm.TagResource(ctx, in)
	case *secretsmanager.UntagResourceInput:
		_, err = sm.UntagResource(ctx, in)
	case *secretsmanager.PutResourcePolicyInput:
		_, err = sm.PutResourcePolicy(ctx, in)
	case *secretsmanager.DeleteResourcePolicyInput:
		_, err = sm.DeleteResourcePolicy(ctx, in)
	case *secretsmanager.ReplicateSecretToRegionsInput:
		_, err = sm.ReplicateSecretToRegions(ctx, in)
	default:
		err = fmt.Errorf("unsupported input %T", c.Input)
	}
	return err
}

// secretID returns the SecretId of a call's input.
func secretID(c Call) string {
	switch in := c.Input.(type) {
	case *secretsmanager.RotateSecretInput:
		return aws.ToString(in.SecretId)
	case *secretsmanager.UpdateSecretInput:
		return aws.ToString(in.SecretId)
	case *secretsmanager.TagResourceInput:
		return aws.ToString(in.SecretId)
	case *secretsmanager.UntagResourceInput:
		return aws.ToString(in.SecretId)
	case *secretsmanager.PutResourcePolicyInput:
		return aws.ToString(in.SecretId)
	case *secretsmanager.DeleteResourcePolicyInput:
		return aws.ToString(in.SecretId)
	case *secretsmanager.ReplicateSecretToRegionsInput:
		return aws.ToString(in.SecretId)
	}
	return ""
}

// Params renders a call's input as the JSON of the SDK struct with unset
// (nil) fields left out, keys sorted: exactly the parameters that would be
// sent. A resource policy travels as the JSON string AWS receives.
func Params(c Call) (json.RawMessage, error) {
	raw, err := json.Marshal(c.Input)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Operation, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Operation, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(dropNulls(v)); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Operation, err)
	}
	return json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// dropNulls removes null members (unset pointer fields) from decoded JSON.
func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			t[k] = dropNulls(e)
		}
	case []any:
		for i, e := range t {
			t[i] = dropNulls(e)
		}
	}
	return v
}

// Call constructors: the Service and Operation always match the input.

func rotateCall(in *secretsmanager.RotateSecretInput) Call {
	return Call{Service: ServiceSecretsManager, Operation: "RotateSecret", Input: in}
}

func updateCall(in *secretsmanager.UpdateSecretInput) Call {
	return Call{Service: ServiceSecretsManager, Operation: "UpdateSecret", Input: in}
}

func tagCall(in *secretsmanager.TagResourceInput) Call {
	return Call{Service: ServiceSecretsManager, Operation: "TagResource", Input: in}
}

func untagCall(in *secretsmanager.UntagResourceInput) Call {
	return Call{Service: ServiceSecretsManager, Operation: "UntagResource", Input: in}
}

func putPolicyCall(in *secretsmanager.PutResourcePolicyInput) Call {
	return Call{Service: ServiceSecretsManager, Operation: "PutResourcePolicy", Input: in}
}

func deletePolicyCall(in *secretsmanager.DeleteResourcePolicyInput) Call {
	return Call{Service: ServiceSecretsManager, Operation: "DeleteResourcePolicy", Input: in}
}

func replicateCall(in *secretsmanager.ReplicateSecretToRegionsInput) Call {
	return Call{Service: ServiceSecretsManager, Operation: "ReplicateSecretToRegions", Input: in}
}
