package configrule

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// fakeConfig records PutEvaluations calls. moto implements PutEvaluations
// only in TestMode (nothing is recorded), so tests use this fake.
type fakeConfig struct {
	mu    sync.Mutex
	calls [][]types.Evaluation
	// errs are returned by the first calls, one each, before any success.
	errs []error
	// failFirst makes Config report the first n evaluations of a call as
	// failed, for the first failTimes successful calls.
	failFirst, failTimes int
}

func (f *fakeConfig) PutEvaluations(_ context.Context, in *configservice.PutEvaluationsInput, _ ...func(*configservice.Options)) (*configservice.PutEvaluationsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, append([]types.Evaluation(nil), in.Evaluations...))
	if aws.ToString(in.ResultToken) == "" {
		panic("PutEvaluations without a ResultToken")
	}
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	out := &configservice.PutEvaluationsOutput{}
	if f.failTimes > 0 {
		f.failTimes--
		out.FailedEvaluations = append(out.FailedEvaluations, in.Evaluations[:min(f.failFirst, len(in.Evaluations))]...)
	}
	return out, nil
}

func (f *fakeConfig) sizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s []int
	for _, c := range f.calls {
		s = append(s, len(c))
	}
	return s
}
