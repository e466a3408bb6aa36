package main

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/secretguard/secretguard/shared/configrule"
)

// selfAccount is the part of awsenv.Roles the handler feeds: the
// function's own account, read from the invoked ARN, so that Roles needs no
// STS call to tell its own account from a member account.
type selfAccount interface{ SetSelfAccount(id string) }

// Handler translates a Lambda invocation into a call on the shared
// evaluator: the payload as it came, and the invoked function ARN the
// sweep hands over to.
type Handler struct {
	Evaluator *configrule.Evaluator
	Roles     selfAccount

	once sync.Once
}

// Handle is the Lambda handler. It returns the evaluator's Result as the
// function's JSON result.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (configrule.Result, error) {
	var functionARN string
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		functionARN = lc.InvokedFunctionArn
	}
	if a, err := arn.Parse(functionARN); err == nil && h.Roles != nil {
		h.once.Do(func() { h.Roles.SetSelfAccount(a.AccountID) })
	}
	return h.Evaluator.Handle(ctx, payload, functionARN)
}
