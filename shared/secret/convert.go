package secret

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// FromListEntry converts one ListSecrets entry into a Snapshot. The policy
// and the replication status are not in a list entry, so PolicyKnown and
// ReplicasKnown are false. An entry whose ARN does not parse is an error.
func FromListEntry(e types.SecretListEntry, observedAt time.Time) (*Snapshot, error) {
	s, err := fromListEntry(e, observedAt)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// FromDescribe converts a DescribeSecret answer into a Snapshot with its
// replication status (ReplicasKnown is true; Replicas is empty for a secret
// that is not replicated). An answer whose ARN does not parse is an error.
func FromDescribe(out *secretsmanager.DescribeSecretOutput, observedAt time.Time) (*Snapshot, error) {
	if out == nil {
		return nil, errors.New("nil DescribeSecret output")
	}
	s, err := fromDescribe(out, observedAt)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// fromListEntry fills every field it can and returns the ARN's parse error
// alongside the Snapshot, so the Observer can keep a secret with a bad ARN.
func fromListEntry(e types.SecretListEntry, observedAt time.Time) (*Snapshot, error) {
	s := &Snapshot{
		Name:              deref(e.Name),
		KMSKeyID:          deref(e.KmsKeyId),
		OwningService:     deref(e.OwningService),
		PrimaryRegion:     deref(e.PrimaryRegion),
		Type:              deref(e.Type),
		RotationEnabled:   e.RotationEnabled != nil && *e.RotationEnabled,
		RotationLambdaARN: deref(e.RotationLambdaARN),
		RotationRules:     rotationRules(e.RotationRules),
		CreatedDate:       utc(e.CreatedDate),
		LastChangedDate:   utc(e.LastChangedDate),
		LastAccessedDate:  utc(e.LastAccessedDate),
		LastRotatedDate:   utc(e.LastRotatedDate),
		NextRotationDate:  utc(e.NextRotationDate),
		DeletedDate:       utc(e.DeletedDate),
		Tags:              tagMap(e.Tags),
		VersionStages:     stages(e.SecretVersionsToStages),
		ObservedAt:        observedAt.UTC(),
	}
	return s, setARN(s, deref(e.ARN))
}

func fromDescribe(out *secretsmanager.DescribeSecretOutput, observedAt time.Time) (*Snapshot, error) {
	s := &Snapshot{
		Name:              deref(out.Name),
		KMSKeyID:          deref(out.KmsKeyId),
		OwningService:     deref(out.OwningService),
		PrimaryRegion:     deref(out.PrimaryRegion),
		Type:              deref(out.Type),
		RotationEnabled:   out.RotationEnabled != nil && *out.RotationEnabled,
		RotationLambdaARN: deref(out.RotationLambdaARN),
		RotationRules:     rotationRules(out.RotationRules),
		CreatedDate:       utc(out.CreatedDate),
		LastChangedDate:   utc(out.LastChangedDate),
		LastAccessedDate:  utc(out.LastAccessedDate),
		LastRotatedDate:   utc(out.LastRotatedDate),
		NextRotationDate:  utc(out.NextRotationDate),
		DeletedDate:       utc(out.DeletedDate),
		Tags:              tagMap(out.Tags),
		VersionStages:     stages(out.VersionIdsToStages),
		Replicas:          replicas(out.ReplicationStatus),
		ReplicasKnown:     true,
		ObservedAt:        observedAt.UTC(),
	}
	return s, setARN(s, deref(out.ARN))
}

// setARN is SetARN that keeps the raw ARN (and the name) when it does not
// parse.
func setARN(s *Snapshot, secretARN string) error {
	if secretARN == "" {
		return fmt.Errorf("secret %q has no ARN", s.Name)
	}
	if err := s.SetARN(secretARN); err != nil {
		s.ARN = secretARN
		return err
	}
	return nil
}

func rotationRules(r *types.RotationRulesType) RotationRules {
	if r == nil {
		return RotationRules{}
	}
	var days int64
	if r.AutomaticallyAfterDays != nil {
		days = *r.AutomaticallyAfterDays
	}
	return RotationRules{
		AutomaticallyAfterDays: days,
		ScheduleExpression:     deref(r.ScheduleExpression),
		Duration:               deref(r.Duration),
	}
}

func replicas(rs []types.ReplicationStatusType) []Replica {
	if len(rs) == 0 {
		return nil
	}
	out := make([]Replica, 0, len(rs))
	for _, r := range rs {
		out = append(out, Replica{
			Region:        deref(r.Region),
			KMSKeyID:      deref(r.KmsKeyId),
			Status:        string(r.Status),
			StatusMessage: deref(r.StatusMessage),
		})
	}
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if t.Key != nil {
			m[*t.Key] = deref(t.Value)
		}
	}
	return m
}

// stages copies the version map so a Snapshot shares nothing with the SDK
// output it came from.
func stages(in map[string][]string) map[string][]string {
	if len(in) == 0 {
		return nil
	}
	m := make(map[string][]string, len(in))
	for id, st := range in {
		m[id] = append([]string(nil), st...)
	}
	return m
}

func utc(t *time.Time) time.Time {
	if t == nil || t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
