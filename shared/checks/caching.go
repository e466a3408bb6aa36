package checks

import (
	"fmt"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/workload"
)

// caching: GetSecretValue calls do not stay above the baseline's hourly
// threshold for long, which would mean applications read secrets on every
// request instead of caching them. Advisory: it never has a remedy.
type caching struct{}

func (caching) ID() string { return baseline.CheckCaching }
func (caching) Doc() string {
	return "GetSecretValue calls (AWS/Usage CallCount) stay at or below caching.maxCallsPerHour except in fewer than caching.sustainedHours of the last 24 hours; above, applications should cache."
}
func (caching) ResourceType() string         { return workload.TypeAccount }
func (caching) Needs() workload.AccountNeeds { return workload.AccountNeeds{Usage: true} }
func (caching) IAMActions() []string         { return []string{"cloudwatch:GetMetricData"} }

func (c caching) Evaluate(in ResourceInput) Finding {
	r, a := in.Resource, in.Resource.Account
	if a == nil || !a.UsageKnown {
		return finding(c.ID(), NotApplicable, "", "The usage metrics could not be read: %s", problemText(r))
	}
	maxCalls, sustained := in.Baseline.CachingThresholds()
	limit := float64(maxCalls)
	var over int
	var peak, total float64
	for _, v := range a.Usage.Hourly {
		total += v
		peak = max(peak, v)
		if v > limit {
			over++
		}
	}
	hours := len(a.Usage.Hourly)
	if over >= sustained && over > 0 {
		return finding(c.ID(), NonCompliant, "", "GetSecretValue ran above %s calls/hour in %d of the last %d hours (peak %s). Cache secrets in applications (Secrets Manager caching clients, the Parameters and Secrets Lambda Extension) and read several with BatchGetSecretValue.",
			count(limit), over, hours, count(peak))
	}
	return finding(c.ID(), Compliant, "", "GetSecretValue peaked at %s calls/hour over the last %d hours (%s in all); the threshold is %s.", count(peak), hours, count(total), count(limit))
}

// count formats a call count.
func count(v float64) string { return fmt.Sprintf("%.0f", v) }

func (caching) Fix(r *workload.Resource) string {
	return "Find the callers (CloudTrail GetSecretValue events by userIdentity, or CloudWatch Logs Insights on the trail's log group) and make them cache: " +
		"the AWS Secrets Manager caching clients (Java, Python, Go, .NET, Rust), the AWS Parameters and Secrets Lambda Extension for functions, or the ECS/EKS injection of secrets at start; " +
		"fetch several secrets in one call with BatchGetSecretValue. Then raise caching.maxCallsPerHour only if the rate is legitimate."
}
