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

// CheckIDs lists every known check ID.
var CheckIDs = []string{
	CheckRotationEnabled, CheckRotationFunction, CheckRotationSchedule, CheckRotationHealthy,
	CheckRotatedRecently, CheckUnused, CheckCMK, CheckNoPublicPolicy, CheckReplication, CheckRequiredTags,
}

// Remedy IDs, named by findings and implemented by the remedies package.
const (
	RemedyEnableRotation = "enable-rotation"
	RemedyFixSchedule    = "fix-schedule"
	RemedyAddTags        = "add-tags"
	RemedyUseCMK         = "use-cmk"
	RemedyTightenPolicy  = "tighten-policy"
	RemedyReplicate      = "replicate"
)
