package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/configrule"
	"github.com/secretguard/secretguard/shared/secret"
)

// TestSweepBatchBoundaries: a scheduled sweep of n secrets puts them in
// calls of at most 100, all with the notification time as
// OrderingTimestamp and the event's ResultToken.
func TestSweepBatchBoundaries(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		secrets int
		sizes   []int
	}{
		{0, nil}, {1, []int{1}}, {100, []int{100}}, {101, []int{100, 1}}, {250, []int{100, 100, 50}},
	}
	var arns []string
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.secrets), func(t *testing.T) {
			arns = append(arns, createSecrets(t, e.base, fmt.Sprintf("batch%d", tt.secrets), tt.secrets-len(arns), nil)...)
			e.config.calls = nil
			notified := time.Now().UTC().Truncate(time.Millisecond)
			payload := sampleWith(t, "scheduled.json", func(_, invoking, params map[string]any) {
				invoking["notificationCreationTime"] = notified.Format(time.RFC3339Nano)
				params["check"] = "cmk"
			})
			res, err := e.invoke(t, payload, timeout)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.config.sizes(); !reflect.DeepEqual(got, tt.sizes) {
				t.Fatalf("PutEvaluations sizes %v, want %v", got, tt.sizes)
			}
			evs := e.config.evaluations()
			if got := ids(evs); len(got) != len(arns) || (len(arns) > 0 && !reflect.DeepEqual(got, slices.Sorted(slices.Values(arns)))) {
				t.Fatalf("evaluated %d secrets, want %d", len(got), len(arns))
			}
			for _, ev := range evs {
				if !ev.OrderingTimestamp.Equal(notified) || ev.ComplianceType != types.ComplianceTypeNonCompliant {
					t.Fatalf("evaluation %+v", ev)
				}
			}
			for _, c := range e.config.calls {
				if aws.ToString(c.ResultToken) != "eyJlbmNyeXB0ZWREYXRhIjpbLTk0LDE3LDMzXSwibWF0ZXJpYWxTZXRTZXJpYWxOdW1iZXIiOjF9" {
					t.Fatalf("ResultToken %q", aws.ToString(c.ResultToken))
				}
			}
			if res.Evaluated != tt.secrets || res.PutCalls != len(tt.sizes) || res.HandedOver {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// jumpClock advances by step on every call, from start: each sweep page
// "takes" step.
func jumpClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(step)
		return now
	}
}

// TestSweepHandOver forces hand-overs: every invocation has 60 s and each
// page "takes" 10 s, so with a 35 s margin each invocation handles two
// pages of 20 secrets (50 s left, then 40 s, then 30 s < 35 s) and invokes
// the function again. The captured
// continuation is fed back until the chain ends; every secret must be
// evaluated exactly once.
func TestSweepHandOver(t *testing.T) {
	e := newEnv(t)
	arns := createSecrets(t, e.base, "chain", 130, nil)
	e.h.Evaluator.Sweep = configrule.SweepLimits{PageSize: 20, MinMargin: 35 * time.Second}
	payload := sampleWith(t, "scheduled.json", scheduledNow("required-tags"))
	var first configrule.Event
	_ = json.Unmarshal(payload, &first)

	seen := map[string]int{}
	var hops []configrule.Continuation
	for n := 0; ; n++ {
		if n > 10 {
			t.Fatal("the chain does not end")
		}
		e.config.calls, e.invoker.calls = nil, nil
		deadline := time.Now().Add(time.Minute)
		e.h.Evaluator.Sweep.Clock = jumpClock(deadline.Add(-time.Minute), 10*time.Second)
		res, err := e.invokeUntil(t, payload, deadline)
		if err != nil {
			t.Fatalf("hop %d: %v", n, err)
		}
		for _, id := range ids(e.config.evaluations()) {
			seen[id]++
		}
		if res.Hop != n {
			t.Fatalf("invocation %d reports hop %d", n, res.Hop)
		}
		if !res.HandedOver {
			if len(e.invoker.calls) != 0 || res.EvaluatedInChain != len(arns) {
				t.Fatalf("last hop: %d invokes, evaluatedInChain %d", len(e.invoker.calls), res.EvaluatedInChain)
			}
			break
		}
		if len(e.invoker.calls) != 1 {
			t.Fatalf("hop %d: %d invokes", n, len(e.invoker.calls))
		}
		in := e.invoker.calls[0]
		if aws.ToString(in.FunctionName) != fnARN || in.InvocationType != lambdatypes.InvocationTypeEvent {
			t.Fatalf("hand-over invoke %s %s", aws.ToString(in.FunctionName), in.InvocationType)
		}
		var next configrule.Event
		if err := json.Unmarshal(in.Payload, &next); err != nil {
			t.Fatal(err)
		}
		c := next.Continuation
		if c == nil || c.Hop != n+1 || c.EvaluatedSoFar != res.EvaluatedInChain || c.StartToken == "" {
			t.Fatalf("continuation %+v after result %+v", c, res)
		}
		if next.ResultToken != first.ResultToken || next.InvokingEvent != first.InvokingEvent || next.ConfigRuleARN != first.ConfigRuleARN {
			t.Fatal("the hand-over event is not the original event")
		}
		if res.Evaluated != 40 {
			t.Fatalf("hop %d evaluated %d secrets, want two pages of 20", n, res.Evaluated)
		}
		hops = append(hops, *c)
		payload = in.Payload
	}
	if len(hops) != 3 { // 130 secrets: 40 + 40 + 40 + 10
		t.Fatalf("%d hand-overs, want 3", len(hops))
	}
	for _, h := range hops {
		if !h.ChainStartedAt.Equal(hops[0].ChainStartedAt) {
			t.Fatal("chainStartedAt changed along the chain")
		}
	}
	if len(seen) != len(arns) {
		t.Fatalf("%d secrets evaluated, want %d", len(seen), len(arns))
	}
	for _, a := range arns {
		if seen[a] != 1 {
			t.Fatalf("%s evaluated %d times", a, seen[a])
		}
	}
	if !strings.Contains(e.logs.String(), `"HandOvers":1`) {
		t.Fatal("no HandOvers metric")
	}
}

// TestSweepChainBounds: a chain past its hop or age bound, or whose token
// Config rejects, stops with a logged error and a metric, and the
// invocation does not fail; a failed hand-over invoke fails it.
func TestSweepChainBounds(t *testing.T) {
	e := newEnv(t)
	createSecrets(t, e.base, "bound", 45, nil)
	deadline := time.Now().Add(time.Minute)
	continuation := func(hop int, started time.Time) []byte {
		return sampleWith(t, "scheduled-continuation.json", func(top, _, _ map[string]any) {
			c := top["secretguardContinuation"].(map[string]any)
			c["hop"], c["chainStartedAt"] = hop, started.Format(time.RFC3339Nano)
			// A real token: the NextToken after the first secret.
			out, err := secretsmanager.NewFromConfig(e.base).ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)})
			if err != nil {
				t.Fatal(err)
			}
			c["startToken"] = aws.ToString(out.NextToken)
		})
	}
	tests := []struct {
		name      string
		payload   []byte
		setup     func()
		wantErr   string
		stopped   string
		metric    string
		evaluated int
	}{
		{name: "too many hops", payload: continuation(4, time.Now()), setup: func() { e.h.Evaluator.Sweep.MaxHops = 3 }, stopped: "more than the 3 allowed", metric: `"ChainStopped":1`},
		{name: "too old", payload: continuation(1, time.Now().Add(-25*time.Hour)), stopped: "longer than the 24h0m0s allowed", metric: `"ChainStopped":1`},
		{name: "next hop over the bound", payload: continuation(3, time.Now()), setup: func() {
			e.h.Evaluator.Sweep.MaxHops = 3
			e.h.Evaluator.Sweep.Clock = jumpClock(deadline.Add(-time.Minute), 10*time.Second)
		}, stopped: "hop 4, more than the 3 allowed", metric: `"ChainStopped":1`, evaluated: 40},
		{name: "invalid result token", payload: sampleWith(t, "scheduled.json", scheduledNow("cmk")), setup: func() {
			e.config.errs = []error{&types.InvalidResultTokenException{Message: aws.String("The resultToken is invalid.")}}
		}, stopped: "InvalidResultTokenException", metric: `"InvalidResultToken":1`, evaluated: 45},
		{name: "invoke fails", payload: sampleWith(t, "scheduled.json", scheduledNow("cmk")), setup: func() {
			e.h.Evaluator.Sweep.Clock = jumpClock(deadline.Add(-time.Minute), 10*time.Second)
			e.invoker.err = &smithy.GenericAPIError{Code: "ServiceException", Message: "boom"}
		}, wantErr: "hand over to " + fnARN + " (hop 1)", evaluated: 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.config.calls, e.config.errs, e.invoker.calls, e.invoker.err = nil, nil, nil, nil
			e.h.Evaluator.Sweep = configrule.SweepLimits{PageSize: 20, MinMargin: 35 * time.Second}
			e.logs.b.Reset()
			if tt.setup != nil {
				tt.setup()
			}
			res, err := e.invokeUntil(t, tt.payload, deadline)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("err = %v (a stopped chain is not a failed invocation)", err)
			}
			if !strings.Contains(res.Stopped, tt.stopped) || res.HandedOver {
				t.Fatalf("stopped %q, want %q (handedOver %v)", res.Stopped, tt.stopped, res.HandedOver)
			}
			if tt.metric != "" && !strings.Contains(e.logs.String(), tt.metric) {
				t.Fatalf("no %s metric", tt.metric)
			}
			if tt.stopped != "" && !strings.Contains(e.logs.String(), `"level":"ERROR"`) {
				t.Fatal("no error log line")
			}
			if res.Evaluated != tt.evaluated {
				t.Fatalf("evaluated %d, want %d", res.Evaluated, tt.evaluated)
			}
		})
	}
}

// TestPutEvaluationsRetried: throttling and FailedEvaluations are retried.
func TestPutEvaluationsRetried(t *testing.T) {
	e := newEnv(t)
	arns := createSecrets(t, e.base, "retry", 120, nil)
	throttle := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	e.config.errs = []error{throttle, throttle}
	e.config.failFirst, e.config.failTimes = 7, 1
	res, err := e.invoke(t, sampleWith(t, "scheduled.json", scheduledNow("cmk")), timeout)
	if err != nil {
		t.Fatal(err)
	}
	// 100: throttled, throttled, 7 failed; then the 7; then the other 20.
	if got := e.config.sizes(); !reflect.DeepEqual(got, []int{100, 100, 100, 7, 20}) {
		t.Fatalf("call sizes %v", got)
	}
	if res.Sent != 120 || res.PutCalls != 5 || res.Unprocessed != 0 {
		t.Fatalf("result %+v", res)
	}
	// Accepted: call 3 less its 7 failures, then calls 4 and 5.
	accepted := map[string]bool{}
	for _, evs := range [][]types.Evaluation{e.config.calls[2].Evaluations[7:], e.config.calls[3].Evaluations, e.config.calls[4].Evaluations} {
		for _, id := range ids(evs) {
			accepted[id] = true
		}
	}
	if len(accepted) != len(arns) {
		t.Fatalf("%d secrets accepted, want %d", len(accepted), len(arns))
	}
}

// flakySecrets denies GetResourcePolicy for one secret and reports another
// deleted between ListSecrets and GetResourcePolicy.
type flakySecrets struct {
	secret.SecretsAPI
	denied, gone string
}

func (f flakySecrets) GetResourcePolicy(ctx context.Context, in *secretsmanager.GetResourcePolicyInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetResourcePolicyOutput, error) {
	switch aws.ToString(in.SecretId) {
	case f.denied:
		return nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::123456789012:assumed-role/x/y is not authorized to perform: secretsmanager:GetResourcePolicy"}
	case f.gone:
		return nil, &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret."}
	}
	return f.SecretsAPI.GetResourcePolicy(ctx, in, opts...)
}

// TestOneBadSecret: a secret the evaluator may not read is left out and
// counted; one deleted mid-sweep is NOT_APPLICABLE; the rest is evaluated.
func TestOneBadSecret(t *testing.T) {
	e := newEnv(t)
	arns := createSecrets(t, e.base, "bad", 5, nil)
	e.wrapSecrets = func(c secret.SecretsAPI) secret.SecretsAPI {
		return flakySecrets{SecretsAPI: c, denied: arns[1], gone: arns[3]}
	}
	res, err := e.invoke(t, sampleWith(t, "scheduled.json", scheduledNow("no-public-policy")), timeout)
	if err != nil {
		t.Fatal(err)
	}
	if res.Evaluated != 5 || res.Incomplete != 1 || res.Gone != 1 || res.Sent != 4 || res.Compliant != 3 || res.NotApplicable != 1 {
		t.Fatalf("result %+v", res)
	}
	byID := map[string]types.Evaluation{}
	for _, ev := range e.config.evaluations() {
		byID[aws.ToString(ev.ComplianceResourceId)] = ev
	}
	if _, sent := byID[arns[1]]; sent {
		t.Fatal("the incomplete secret was sent")
	}
	if ev := byID[arns[3]]; ev.ComplianceType != types.ComplianceTypeNotApplicable || !strings.Contains(aws.ToString(ev.Annotation), "deleted") {
		t.Fatalf("gone secret: %s %q", ev.ComplianceType, aws.ToString(ev.Annotation))
	}
	if !strings.Contains(e.logs.String(), `"msg":"not evaluated"`) || !strings.Contains(e.logs.String(), `"Incomplete":1`) {
		t.Fatal("the incomplete secret was not logged and counted")
	}
}
