package secret

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// ConfigResourceType is the AWS Config resource type of a secret.
const ConfigResourceType = "AWS::SecretsManager::Secret"

// Stage labels Secrets Manager attaches to versions.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// DefaultKeyAlias is the AWS managed key Secrets Manager uses when a secret
// names no KMS key. A secret on it reports no KmsKeyId at all.
const DefaultKeyAlias = "alias/aws/secretsmanager"

// Snapshot is one secret as observed at ObservedAt. Fields that come from an
// optional API call carry a Known flag: a check that needs the data but finds
// it unknown must say so rather than guess.
type Snapshot struct {
	ARN       string
	Name      string
	Partition string
	Region    string
	AccountID string

	// KMSKeyID is the key as Secrets Manager reports it (ARN, key ID or
	// alias); empty when the secret uses the AWS managed key.
	KMSKeyID string
	// OwningService is set for secrets managed by another service (rds,
	// redshift, ...), which must be changed through that service.
	OwningService string
	// PrimaryRegion is set on every replicated secret; a Snapshot whose
	// PrimaryRegion differs from Region is a replica.
	PrimaryRegion string
	// Type is set for managed external secrets (e.g. a partner's credential).
	Type string

	RotationEnabled   bool
	RotationLambdaARN string
	RotationRules     RotationRules

	CreatedDate      time.Time
	LastChangedDate  time.Time
	LastAccessedDate time.Time // day precision; zero when never accessed
	LastRotatedDate  time.Time
	NextRotationDate time.Time
	DeletedDate      time.Time // set when scheduled for deletion

	Tags map[string]string
	// VersionStages maps version ID to its staging labels.
	VersionStages map[string][]string

	// ResourcePolicy is the policy document, "" when the secret has none.
	ResourcePolicy string
	PolicyKnown    bool

	Replicas      []Replica
	ReplicasKnown bool
	ObservedAt    time.Time

	// Problem says what the Observer could not learn about this secret, one
	// "Operation: reason" per failed call joined by "; " (for example
	// "GetResourcePolicy: missing permission secretsmanager:GetResourcePolicy").
	// The Known flag of the data it lacks stays false. "" when all went well.
	Problem string
	// Gone is set when the secret was listed but deleted before the Observer
	// finished with it; the rest of the Snapshot is what the listing said.
	Gone bool
}

// RotationRules mirrors the secret's rotation schedule.
type RotationRules struct {
	AutomaticallyAfterDays int64
	ScheduleExpression     string
	Duration               string
}

// IsZero reports whether no schedule is configured.
func (r RotationRules) IsZero() bool {
	return r.AutomaticallyAfterDays == 0 && r.ScheduleExpression == ""
}

// Replica is the replication status of one replica Region.
type Replica struct {
	Region        string
	KMSKeyID      string
	Status        string // InSync, Failed, InProgress
	StatusMessage string
}

// IsReplica reports whether this Snapshot is a replica of a secret whose
// primary lives in another Region.
func (s *Snapshot) IsReplica() bool {
	return s.PrimaryRegion != "" && s.PrimaryRegion != s.Region
}

// ScheduledForDeletion reports whether the secret is pending deletion.
func (s *Snapshot) ScheduledForDeletion() bool { return !s.DeletedDate.IsZero() }

// Tag returns the value of a tag and whether it is present.
func (s *Snapshot) Tag(key string) (string, bool) {
	v, ok := s.Tags[key]
	return v, ok
}

// VersionsWith returns the IDs of the versions that carry a stage label.
func (s *Snapshot) VersionsWith(stage string) []string {
	var ids []string
	for id, stages := range s.VersionStages {
		for _, st := range stages {
			if st == stage {
				ids = append(ids, id)
				break
			}
		}
	}
	return ids
}

// SetARN fills ARN, Partition, Region and AccountID from a secret ARN.
func (s *Snapshot) SetARN(secretARN string) error {
	a, err := ParseARN(secretARN)
	if err != nil {
		return err
	}
	s.ARN, s.Partition, s.Region, s.AccountID = secretARN, a.Partition, a.Region, a.AccountID
	return nil
}

// ParseARN parses a Secrets Manager secret ARN of any partition and says
// what is wrong with one that is not.
func ParseARN(secretARN string) (arn.ARN, error) {
	a, err := arn.Parse(secretARN)
	if err != nil {
		return arn.ARN{}, fmt.Errorf("secret ARN %q: %w", secretARN, err)
	}
	if a.Service != "secretsmanager" {
		return arn.ARN{}, fmt.Errorf("secret ARN %q: service is %q, want secretsmanager", secretARN, a.Service)
	}
	if !strings.HasPrefix(a.Resource, "secret:") || len(a.Resource) == len("secret:") {
		return arn.ARN{}, fmt.Errorf("secret ARN %q: resource %q does not start with secret:<name>", secretARN, a.Resource)
	}
	if len(a.AccountID) != 12 {
		return arn.ARN{}, fmt.Errorf("secret ARN %q: account %q is not a 12-digit account ID", secretARN, a.AccountID)
	}
	if a.Region == "" {
		return arn.ARN{}, fmt.Errorf("secret ARN %q: no Region", secretARN)
	}
	return a, nil
}

// IsARN reports whether id looks like an ARN rather than a secret name.
// Secret names may contain "/" "+" "=" "." "@" "-" but not ":", so a prefix
// of "arn:" with more colons is an ARN.
func IsARN(id string) bool {
	return strings.HasPrefix(id, "arn:") && strings.Count(id, ":") >= 6
}
