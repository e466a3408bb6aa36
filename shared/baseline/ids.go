package baseline

// Check IDs are a contract: each becomes the AWS Config rule
// secretguard-<id>, and baselines, waiver tags and the CLI name them. The
// checks package registers one check per ID (a test holds them equal).
const (
	CheckRotationEnabled  = "rotation-enabled"
	CheckRotationFunction = "rotation-function"
	CheckRotationSchedule = "rotation-schedule"
	CheckRotationHealthy  = "rotation-healthy"
	CheckRotatedRecently  = "rotated-recently"
	CheckUnused           = "unused"
	CheckCMK              = "cmk"
	CheckNoPublicPolicy   = "no-public-policy"
	CheckReplication      = "replication"
	CheckRequiredTags     = "required-tags"
)

// CheckIDs lists every secret check ID: each is a Config rule on
// AWS::SecretsManager::Secret.
var CheckIDs = []string{
	CheckRotationEnabled, CheckRotationFunction, CheckRotationSchedule, CheckRotationHealthy,
	CheckRotatedRecently, CheckUnused, CheckCMK, CheckNoPublicPolicy, CheckReplication, CheckRequiredTags,
}

// Workload and account check IDs: checks of what surrounds the secrets.
const (
	CheckNoPlaintextLambdaEnv = "no-plaintext-lambda-env" // AWS::Lambda::Function
	CheckNoPlaintextECSEnv    = "no-plaintext-ecs-env"    // AWS::ECS::TaskDefinition
	CheckNoPlaintextParams    = "no-plaintext-parameters" // AWS::::Account, periodic
	CheckCloudTrailReads      = "cloudtrail-read-events"  // AWS::::Account, periodic
	CheckVPCEndpoint          = "vpc-endpoint"            // AWS::::Account, periodic
	CheckCaching              = "caching"                 // AWS::::Account, periodic
)

// ResourceCheckIDs lists every workload and account check ID. They are kept
// apart from CheckIDs because their Config rules are scoped to other
// resource types (and AWS::::Account rules are periodic only); the checks
// package registers one resource check per ID (a test holds them equal).
var ResourceCheckIDs = []string{
	CheckNoPlaintextLambdaEnv, CheckNoPlaintextECSEnv, CheckNoPlaintextParams,
	CheckCloudTrailReads, CheckVPCEndpoint, CheckCaching,
}

// AllCheckIDs returns CheckIDs followed by ResourceCheckIDs: every ID a
// baseline's checks and waivers may name.
func AllCheckIDs() []string {
	return append(append(make([]string, 0, len(CheckIDs)+len(ResourceCheckIDs)), CheckIDs...), ResourceCheckIDs...)
}

// IsResourceCheck reports whether id is a workload or account check.
func IsResourceCheck(id string) bool {
	for _, r := range ResourceCheckIDs {
		if r == id {
			return true
		}
	}
	return false
}

// Remedy IDs, named by findings and implemented by the remedies package.
const (
	RemedyEnableRotation = "enable-rotation"
	RemedyFixSchedule    = "fix-schedule"
	RemedyAddTags        = "add-tags"
	RemedyUseCMK         = "use-cmk"
	RemedyTightenPolicy  = "tighten-policy"
	RemedyReplicate      = "replicate"
	// RemedyCreateVPCEndpoint creates the Secrets Manager interface
	// endpoint a VPC lacks (opt-in: it costs money).
	RemedyCreateVPCEndpoint = "create-vpc-endpoint"
)
