package configrule

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/secretguard/secretguard/shared/metrics"
)

func (r *run) logEvaluation(secretARN string, ev types.Evaluation) {
	r.log.Info("evaluation", "secretArn", secretARN, "compliance", string(ev.ComplianceType), "annotation", aws.ToString(ev.Annotation))
}

// emitMetrics writes the invocation's EMF line.
func (r *run) emitMetrics(d time.Duration) {
	if r.e.Metrics == nil {
		return
	}
	res := r.res
	m := metrics.NewSet("Function", r.e.FunctionName, "Check", res.Check)
	m.Count("SecretsEvaluated", res.Evaluated)
	m.Count("Compliant", res.Compliant)
	m.Count("NonCompliant", res.NonCompliant)
	m.Count("NotApplicable", res.NotApplicable)
	m.Count("Incomplete", res.Incomplete)
	m.Count("Gone", res.Gone)
	m.Count("EvaluationsSent", res.Sent)
	m.Count("PutEvaluationsCalls", res.PutCalls)
	m.Count("UnprocessedEvaluations", res.Unprocessed)
	m.Count("HandOvers", b2i(res.HandedOver))
	m.Count("ChainStopped", b2i(res.Stopped != ""))
	m.Count("InvalidResultToken", b2i(r.invalidTok))
	m.Count("BadEvents", b2i(r.badEvent))
	m.Count("Throttles", int(res.Throttles))
	var total int64
	for op, n := range res.APICalls {
		total += n
		m.Count("APICalls."+op, int(n))
	}
	m.Count("APICalls", int(total))
	m.Milliseconds("Duration", d)
	m.Property("rule", res.Rule)
	m.Property("messageType", res.MessageType)
	m.Property("account", res.Account)
	m.Property("region", res.Region)
	if err := r.e.Metrics.Write(m); err != nil {
		r.log.Error("metrics", "error", err.Error())
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
