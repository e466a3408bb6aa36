package awsenv

import (
	"context"
	"math"
	"strings"

	"golang.org/x/time/rate"
)

// API families that share one Secrets Manager quota.
const (
	FamilyPolicy   = "policy"
	FamilyRotation = "rotation"
	FamilyTagging  = "tagging"
	FamilyWrite    = "write"
	FamilyDescribe = "describe"
	FamilyList     = "list"
)

// Budget is the client-side rate budget per API family, per account and
// Region, in calls per second. A zero field takes the DefaultBudget value; a
// negative field disables limiting for that family.
//
// The Secrets Manager quotas (per account and Region, not adjustable) are:
// Get/Put/Delete/ValidateResourcePolicy 50 TPS combined; RotateSecret and
// CancelRotateSecret 50; TagResource and UntagResource 50; the write calls
// (UpdateSecret, PutSecretValue, replication, version stages, Create, Delete,
// Restore) 50 each or combined; DescribeSecret and GetSecretValue 10,000
// combined; ListSecrets 100.
type Budget struct {
	Policy, Rotation, Tagging, Write, Describe, List float64
}

// DefaultBudget leaves headroom for other callers in the same account and
// Region: 80% of each 50 TPS quota, half of the DescribeSecret/GetSecretValue
// quota and half of the ListSecrets quota (ListSecrets pages are few and
// large, so a lower rate costs little).
func DefaultBudget() Budget {
	return Budget{Policy: 40, Rotation: 40, Tagging: 40, Write: 40, Describe: 5000, List: 50}
}

func (b Budget) withDefaults() Budget {
	d := DefaultBudget()
	pick := func(v, def float64) float64 {
		if v == 0 {
			return def
		}
		return v
	}
	return Budget{
		Policy:   pick(b.Policy, d.Policy),
		Rotation: pick(b.Rotation, d.Rotation),
		Tagging:  pick(b.Tagging, d.Tagging),
		Write:    pick(b.Write, d.Write),
		Describe: pick(b.Describe, d.Describe),
		List:     pick(b.List, d.List),
	}
}

var secretsManagerFamilies = map[string]string{
	"GetResourcePolicy":            FamilyPolicy,
	"PutResourcePolicy":            FamilyPolicy,
	"DeleteResourcePolicy":         FamilyPolicy,
	"ValidateResourcePolicy":       FamilyPolicy,
	"RotateSecret":                 FamilyRotation,
	"CancelRotateSecret":           FamilyRotation,
	"TagResource":                  FamilyTagging,
	"UntagResource":                FamilyTagging,
	"UpdateSecret":                 FamilyWrite,
	"ReplicateSecretToRegions":     FamilyWrite,
	"RemoveRegionsFromReplication": FamilyWrite,
	"StopReplicationToReplica":     FamilyWrite,
	"UpdateSecretVersionStage":     FamilyWrite,
	"PutSecretValue":               FamilyWrite,
	"CreateSecret":                 FamilyWrite,
	"DeleteSecret":                 FamilyWrite,
	"RestoreSecret":                FamilyWrite,
	"DescribeSecret":               FamilyDescribe,
	"GetSecretValue":               FamilyDescribe,
	"ListSecrets":                  FamilyList,
}

// Family returns the rate-limit family of a Secrets Manager operation, or ""
// (not limited) for other operations and other services. service may be the
// SDK ServiceID ("Secrets Manager") or the IAM prefix ("secretsmanager").
func Family(service, operation string) string {
	if serviceName(service) != "secretsmanager" {
		return ""
	}
	return secretsManagerFamilies[operation]
}

// Limiter holds one token bucket per API family. It is safe for concurrent
// use; use one Limiter per account and Region.
type Limiter struct {
	buckets map[string]*rate.Limiter
}

// NewLimiter returns a Limiter for budget b (zero fields take defaults).
func NewLimiter(b Budget) *Limiter {
	b = b.withDefaults()
	return &Limiter{buckets: map[string]*rate.Limiter{
		FamilyPolicy:   newBucket(b.Policy),
		FamilyRotation: newBucket(b.Rotation),
		FamilyTagging:  newBucket(b.Tagging),
		FamilyWrite:    newBucket(b.Write),
		FamilyDescribe: newBucket(b.Describe),
		FamilyList:     newBucket(b.List),
	}}
}

// newBucket allows a burst of a tenth of a second's budget, so that a burst
// plus the first second's steady rate stays under the quota.
func newBucket(perSecond float64) *rate.Limiter {
	if perSecond < 0 || math.IsInf(perSecond, 1) {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Limit(perSecond), max(1, int(perSecond/10)))
}

// Wait blocks until the family of service:operation has a token, or ctx is
// done. Operations outside every family return at once.
func (l *Limiter) Wait(ctx context.Context, service, operation string) error {
	if l == nil {
		return nil
	}
	b := l.buckets[Family(service, operation)]
	if b == nil {
		return nil
	}
	return b.Wait(ctx)
}

// serviceName maps an SDK ServiceID to the IAM action prefix used in counter
// keys and permission messages.
func serviceName(serviceID string) string {
	switch serviceID {
	case "Secrets Manager":
		return "secretsmanager"
	case "Config Service":
		return "config"
	case "EventBridge":
		return "events"
	case "Resource Groups Tagging API":
		return "tag"
	}
	return strings.ToLower(strings.ReplaceAll(serviceID, " ", ""))
}
