package workload

import "errors"

// AccountNeeds says which parts of an Account to read.
type AccountNeeds struct {
	Trails     bool
	Network    bool
	Usage      bool
	Parameters bool
}

// Any reports whether anything is needed.
func (n AccountNeeds) Any() bool { return n.Trails || n.Network || n.Usage || n.Parameters }

// Merge returns what either needs.
func (n AccountNeeds) Merge(m AccountNeeds) AccountNeeds {
	return AccountNeeds{Trails: n.Trails || m.Trails, Network: n.Network || m.Network, Usage: n.Usage || m.Usage, Parameters: n.Parameters || m.Parameters}
}

// EndpointServiceName is the Secrets Manager interface endpoint service in
// a Region: com.amazonaws.<region>.secretsmanager, with the cn. prefix in
// the China Regions.
func EndpointServiceName(partition, region string) string {
	if partition == "aws-cn" {
		return "cn.com.amazonaws." + region + ".secretsmanager"
	}
	return "com.amazonaws." + region + ".secretsmanager"
}

// Usage metric of GetSecretValue calls (AWS/Usage, CallCount).
const (
	UsageNamespace = "AWS/Usage"
	UsageMetric    = "CallCount"
)

// UsageDimensions are the dimensions of the GetSecretValue call count.
var UsageDimensions = map[string]string{"Service": "Secrets Manager", "Type": "API", "Resource": "GetSecretValue", "Class": "None"}

// Limits that keep one observation bounded whatever the account holds.
const (
	// MaxParameters bounds the parameters one account observation reads.
	MaxParameters = 10000
	// MaxContainers bounds the containers kept per task definition (ECS
	// allows 10; more means a hostile or broken input).
	MaxContainers = 100
	// MaxEnvPerContainer bounds the variables kept per container or
	// function.
	MaxEnvPerContainer = 1000
)

// ErrNotFound is returned when the resource asked for does not exist.
var ErrNotFound = errors.New("not found")
