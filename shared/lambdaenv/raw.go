package lambdaenv

import (
	"context"
	"encoding/json"
)

// Raw adapts a handler to the aws-lambda-go runtime so that it receives
// the invocation payload exactly as sent. lambda.Start with a function
// taking json.RawMessage decodes the payload first, and a payload that is
// not JSON fails there with the decoder's "unexpected EOF", which names
// nothing; through Raw every payload reaches the handler, whose own
// decoding says what it expected. The result is returned as JSON.
func Raw[T any](h func(context.Context, json.RawMessage) (T, error)) RawHandler[T] {
	return RawHandler[T](h)
}

// RawHandler is a handler of raw payloads; it implements the runtime's
// lambda.Handler.
type RawHandler[T any] func(context.Context, json.RawMessage) (T, error)

// Invoke runs the handler on payload and encodes its result.
func (h RawHandler[T]) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := h(ctx, json.RawMessage(payload))
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}
