package configrule

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/smithy-go"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
)

var when = time.Date(2026, 3, 2, 9, 15, 27, 0, time.UTC)

func evs(n int) []types.Evaluation {
	out := make([]types.Evaluation, n)
	for i := range out {
		out[i] = NewEvaluation(fmt.Sprintf("arn:aws:secretsmanager:us-east-1:123456789012:secret:s%d-AbCdEf", i), types.ComplianceTypeCompliant, "ok", when)
	}
	return out
}

func noWait(int) time.Duration { return 0 }

func TestBatcherBoundaries(t *testing.T) {
	tests := []struct {
		n     int
		sizes []int
	}{
		{0, nil}, {1, []int{1}}, {100, []int{100}}, {101, []int{100, 1}}, {250, []int{100, 100, 50}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			f := &fakeConfig{}
			b := &Batcher{Client: f, ResultToken: "tok", Backoff: noWait}
			// Add one at a time: full batches go out as they fill.
			for _, e := range evs(tt.n) {
				if err := b.Add(context.Background(), e); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := f.sizes(); !reflect.DeepEqual(got, tt.sizes) {
				t.Fatalf("call sizes %v, want %v", got, tt.sizes)
			}
			if b.Calls != len(tt.sizes) || b.Sent != tt.n || b.Pending() != 0 {
				t.Fatalf("calls %d sent %d pending %d", b.Calls, b.Sent, b.Pending())
			}
		})
	}
}

func TestBatcherRetriesFailedEvaluations(t *testing.T) {
	f := &fakeConfig{failFirst: 3, failTimes: 2}
	b := &Batcher{Client: f, ResultToken: "tok", Backoff: noWait}
	if err := b.Add(context.Background(), evs(10)...); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.sizes(); !reflect.DeepEqual(got, []int{10, 3, 3}) {
		t.Fatalf("call sizes %v, want [10 3 3]", got)
	}
	if b.Sent != 10 || len(b.Unprocessed) != 0 {
		t.Fatalf("sent %d unprocessed %d", b.Sent, len(b.Unprocessed))
	}
	// The re-sent evaluations are the failed ones.
	if aws.ToString(f.calls[2][0].ComplianceResourceId) != aws.ToString(f.calls[0][0].ComplianceResourceId) {
		t.Fatal("did not re-send the failed evaluations")
	}
}

func TestBatcherGivesUpOnFailedEvaluations(t *testing.T) {
	f := &fakeConfig{failFirst: 2, failTimes: 99}
	b := &Batcher{Client: f, ResultToken: "tok", Backoff: noWait, MaxAttempts: 3}
	_ = b.Add(context.Background(), evs(5)...)
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b.Calls != 3 || b.Sent != 3 || len(b.Unprocessed) != 2 {
		t.Fatalf("calls %d sent %d unprocessed %d", b.Calls, b.Sent, len(b.Unprocessed))
	}
}

func TestBatcherErrors(t *testing.T) {
	throttle := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	tests := []struct {
		name      string
		errs      []error
		attempts  int
		wantErr   string
		wantIs    error
		wantCalls int
	}{
		{name: "throttle retried", errs: []error{throttle, throttle}, wantCalls: 3},
		{name: "throttle exhausted", errs: []error{throttle, throttle, throttle}, attempts: 3, wantErr: "attempt 3", wantCalls: 3},
		{name: "invalid token not retried", errs: []error{&types.InvalidResultTokenException{Message: aws.String("bad")}}, wantIs: ErrInvalidResultToken, wantCalls: 1},
		{name: "other error not retried", errs: []error{&types.NoSuchConfigRuleException{Message: aws.String("gone")}}, wantErr: "NoSuchConfigRule", wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeConfig{errs: tt.errs}
			b := &Batcher{Client: f, ResultToken: "tok", Backoff: noWait, MaxAttempts: tt.attempts}
			_ = b.Add(context.Background(), evs(2)...)
			err := b.Flush(context.Background())
			switch {
			case tt.wantIs != nil:
				if !errors.Is(err, tt.wantIs) {
					t.Fatalf("err = %v, want %v", err, tt.wantIs)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			}
			if b.Calls != tt.wantCalls {
				t.Fatalf("calls %d, want %d", b.Calls, tt.wantCalls)
			}
		})
	}
}

func TestToEvaluation(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	r := scan.Result{SecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf", Compliance: checks.NonCompliant, Annotation: long}
	ev := ToEvaluation(r, "", when)
	if aws.ToString(ev.ComplianceResourceId) != r.SecretARN || aws.ToString(ev.ComplianceResourceType) != "AWS::SecretsManager::Secret" ||
		ev.ComplianceType != types.ComplianceTypeNonCompliant || !ev.OrderingTimestamp.Equal(when) {
		t.Fatalf("evaluation %+v", ev)
	}
	if a := aws.ToString(ev.Annotation); len(a) > 256 || !strings.HasSuffix(a, "…") {
		t.Fatalf("annotation of %d bytes: %q", len(a), a)
	}
	r.Annotation = "  "
	if ev := ToEvaluation(r, "other-id", when); ev.Annotation != nil || aws.ToString(ev.ComplianceResourceId) != "other-id" {
		t.Fatalf("blank annotation sent as %q, id %q", aws.ToString(ev.Annotation), aws.ToString(ev.ComplianceResourceId))
	}
}

func TestEvaluatorIAMActions(t *testing.T) {
	got := EvaluatorIAMActions()
	for _, want := range []string{"config:PutEvaluations", "secretsmanager:ListSecrets", "secretsmanager:GetResourcePolicy", "lambda:InvokeFunction", "sts:AssumeRole"} {
		found := false
		for _, a := range got {
			found = found || a == want
		}
		if !found {
			t.Errorf("EvaluatorIAMActions lacks %s: %v", want, got)
		}
	}
	for _, a := range got {
		if strings.Contains(a, "GetSecretValue") {
			t.Errorf("the evaluator must never read secret values: %s", a)
		}
	}
}
