package publish

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/secretguard/secretguard/shared/outcome"
)

// fakeBus records what it is sent and refuses the entries whose detail-type
// it is told to.
type fakeBus struct {
	got    []ebtypes.PutEventsRequestEntry
	refuse string
	err    error
}

func (f *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.got = append(f.got, in.Entries...)
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		r := ebtypes.PutEventsResultEntry{EventId: aws.String("x")}
		if aws.ToString(e.DetailType) == f.refuse {
			r = ebtypes.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")}
			out.FailedEntryCount++
		}
		out.Entries = append(out.Entries, r)
	}
	return out, nil
}

func ev(id, detailType string) Event {
	return Event{DetailType: detailType, Detail: outcome.Detail{ID: id, SecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a-AbCdEf",
		Check: "cmk", Time: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}}
}

func TestPut(t *testing.T) {
	ctx := context.Background()
	t.Run("entries carry source, detail-type, detail, the secret and the bus", func(t *testing.T) {
		f := &fakeBus{}
		if err := Put(ctx, f, "secretguard", []Event{ev("1", outcome.TypeNeedsAttention)}); err != nil {
			t.Fatal(err)
		}
		e := f.got[0]
		var d outcome.Detail
		if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &d); err != nil || d.ID != "1" {
			t.Fatalf("detail %s: %v", aws.ToString(e.Detail), err)
		}
		if aws.ToString(e.Source) != outcome.Source || aws.ToString(e.DetailType) != outcome.TypeNeedsAttention ||
			aws.ToString(e.EventBusName) != "secretguard" || len(e.Resources) != 1 || e.Resources[0] != d.SecretARN || !e.Time.Equal(d.Time) {
			t.Errorf("entry %+v", e)
		}
	})
	t.Run("no bus name means the default bus", func(t *testing.T) {
		f := &fakeBus{}
		if err := Put(ctx, f, "", []Event{ev("1", outcome.TypeCompliant)}); err != nil || f.got[0].EventBusName != nil {
			t.Errorf("EventBusName %v, err %v", f.got[0].EventBusName, err)
		}
	})
	t.Run("each refused entry is named", func(t *testing.T) {
		f := &fakeBus{refuse: outcome.TypeFailed}
		err := Put(ctx, f, "", []Event{ev("ok", outcome.TypeRemediated), ev("bad", outcome.TypeFailed)})
		if err == nil || !strings.Contains(err.Error(), "event bad (Remediation Failed) refused: InternalFailure: try again") || strings.Contains(err.Error(), "event ok") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("a failed call is returned", func(t *testing.T) {
		boom := errors.New("boom")
		if err := Put(ctx, &fakeBus{err: boom}, "", []Event{ev("1", outcome.TypeRemediated)}); !errors.Is(err, boom) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("more than ten events is refused before any call", func(t *testing.T) {
		f := &fakeBus{}
		evs := make([]Event, MaxEntries+1)
		for i := range evs {
			evs[i] = ev("x", outcome.TypeRemediated)
		}
		if err := Put(ctx, f, "", evs); err == nil || len(f.got) != 0 {
			t.Errorf("error %v, %d sent", err, len(f.got))
		}
	})
}
