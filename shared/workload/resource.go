package workload

import (
	"time"

	"github.com/secretguard/secretguard/shared/credscan"
)

// AWS Config resource types of what the workload checks evaluate.
const (
	TypeFunction       = "AWS::Lambda::Function"
	TypeTaskDefinition = "AWS::ECS::TaskDefinition"
	// TypeAccount is an account in one Region: rules on it are periodic.
	TypeAccount = "AWS::::Account"
)

// Resource is one observed resource: a Lambda function, an ECS task
// definition, or an account in a Region with what the account-level checks
// read. Exactly one of Function, TaskDefinition and Account is set.
type Resource struct {
	Type string
	// ID is the resource ID AWS Config evaluates (ConfigResourceID).
	ID        string
	ARN       string
	Name      string
	AccountID string
	Region    string
	Partition string
	// Tags of a function or task definition; nil for an account.
	Tags map[string]string

	Function       *Function
	TaskDefinition *TaskDefinition
	Account        *Account

	// Problem says what could not be read (access denied names the IAM
	// action); the checks that need it are then NOT_APPLICABLE and the
	// result is marked incomplete.
	Problem string
	// Gone is set when the resource vanished while it was observed.
	Gone bool
}

// Function is a Lambda function's configuration as far as the checks go.
type Function struct {
	// Env is the function's environment, sorted by name. Values are
	// scanned and dropped with the Resource; they never reach an output.
	Env []credscan.Var
	// EnvError is Lambda's Environment.Error code (the variables could not
	// be decrypted or applied); Env is then empty.
	EnvError string
	// VPCID and SubnetIDs come from VpcConfig; empty outside a VPC.
	VPCID     string
	SubnetIDs []string
	// TagsKnown is false when ListTags was not called or failed.
	TagsKnown bool
}

// TaskDefinition is an ECS task definition revision.
type TaskDefinition struct {
	Family     string
	Revision   int32
	Status     string
	Containers []Container
}

// Container is one container definition.
type Container struct {
	Name string
	// Env is the container's environment (not its secrets), in order.
	Env []credscan.Var
	// Secrets counts the entries of secrets (references to Secrets Manager
	// or SSM, which are what the check wants).
	Secrets int
}

// Account is what the account-level checks read in one Region. Each part
// is read only when a selected check needs it (AccountNeeds); the Known
// flags say which were.
type Account struct {
	TrailsKnown bool
	Trails      []Trail

	NetworkKnown bool
	// VPCs are the VPCs that hold Lambda functions or ECS services, sorted
	// by ID.
	VPCs []VPC
	// Endpoints are the Secrets Manager interface endpoints in the Region.
	Endpoints []Endpoint

	UsageKnown bool
	Usage      Usage

	ParametersKnown bool
	Parameters      []Parameter
	// ParametersTruncated is set when the account holds more parameters
	// than one observation reads (MaxParameters).
	ParametersTruncated bool
}

// Trail is a CloudTrail trail that applies to the Region: one whose home
// is the Region, or a multi-Region trail from elsewhere.
type Trail struct {
	Name         string
	ARN          string
	HomeRegion   string
	MultiRegion  bool
	Organization bool
	// Logging is GetTrailStatus's IsLogging; StatusKnown is false when the
	// status could not be read.
	Logging     bool
	StatusKnown bool
	// Selectors and Advanced are the trail's event selectors; SelectorsKnown
	// is false when they could not be read. A trail without selectors of
	// either kind logs all management events (CloudTrail's default).
	SelectorsKnown bool
	Selectors      []EventSelector
	Advanced       []AdvancedSelector
	// Problem says what could not be read about the trail.
	Problem string
}

// EventSelector is a basic event selector.
type EventSelector struct {
	ReadWriteType                 string // All, ReadOnly, WriteOnly
	IncludeManagementEvents       bool
	ExcludeManagementEventSources []string
}

// AdvancedSelector is an advanced event selector: its field selectors.
type AdvancedSelector struct {
	Name   string
	Fields []FieldSelector
}

// FieldSelector is one condition of an advanced event selector.
type FieldSelector struct {
	Field         string
	Equals        []string
	NotEquals     []string
	StartsWith    []string
	NotStartsWith []string
	EndsWith      []string
	NotEndsWith   []string
}

// VPC is a VPC that holds workloads that may read secrets.
type VPC struct {
	ID string
	// Functions and Services name the workloads in it (at most a few are
	// kept for messages; Count has the total).
	Functions []string
	Services  []string
	Count     int
}

// Endpoint is an interface VPC endpoint for Secrets Manager.
type Endpoint struct {
	ID                string
	VPCID             string
	State             string
	PrivateDNSEnabled bool
}

// Usage is the GetSecretValue call count of the account and Region, one
// sum per hour (AWS/Usage CallCount), oldest first.
type Usage struct {
	Start  time.Time
	Hourly []float64
}

// Parameter is an SSM parameter. Value is read only for String and
// StringList parameters; a SecureString's value is never read.
type Parameter struct {
	Name  string
	ARN   string
	Type  string // String, StringList, SecureString
	Value string `json:"-"`
}

// String shows a parameter without its value.
func (p Parameter) String() string { return p.Type + " parameter " + p.Name }

// GoString shows a parameter without its value.
func (p Parameter) GoString() string { return "workload.Parameter{" + p.String() + "}" }
