package observe_test

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// fakeCloudWatch serves AWS/Usage call counts, which moto does not have:
// 120 calls in the last whole hour and 10 in each hour before, one page
// per two hours to exercise NextToken.
type fakeCloudWatch struct {
	err   error
	calls []*cloudwatch.GetMetricDataInput
}

func (f *fakeCloudWatch) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	start, end := aws.ToTime(in.StartTime), aws.ToTime(in.EndTime)
	from := start
	if in.NextToken != nil {
		t, _ := time.Parse(time.RFC3339, *in.NextToken)
		from = t
	}
	res := cwtypes.MetricDataResult{Id: aws.String("calls")}
	to := min(from.Add(2*time.Hour).UnixNano(), end.UnixNano())
	for t := from; t.UnixNano() < to; t = t.Add(time.Hour) {
		v := 10.0
		if t.Add(time.Hour).Equal(end) {
			v = 120
		}
		res.Timestamps = append(res.Timestamps, t)
		res.Values = append(res.Values, v)
	}
	out := &cloudwatch.GetMetricDataOutput{MetricDataResults: []cwtypes.MetricDataResult{res}}
	if next := from.Add(2 * time.Hour); next.Before(end) {
		out.NextToken = aws.String(next.Format(time.RFC3339))
	}
	return out, nil
}
