package awsenv

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestFamily(t *testing.T) {
	tests := []struct {
		service, op, want string
	}{
		{"secretsmanager", "GetResourcePolicy", FamilyPolicy},
		{"secretsmanager", "PutResourcePolicy", FamilyPolicy},
		{"secretsmanager", "DeleteResourcePolicy", FamilyPolicy},
		{"secretsmanager", "ValidateResourcePolicy", FamilyPolicy},
		{"secretsmanager", "RotateSecret", FamilyRotation},
		{"secretsmanager", "CancelRotateSecret", FamilyRotation},
		{"secretsmanager", "TagResource", FamilyTagging},
		{"secretsmanager", "UntagResource", FamilyTagging},
		{"secretsmanager", "UpdateSecret", FamilyWrite},
		{"secretsmanager", "ReplicateSecretToRegions", FamilyWrite},
		{"secretsmanager", "RemoveRegionsFromReplication", FamilyWrite},
		{"secretsmanager", "StopReplicationToReplica", FamilyWrite},
		{"secretsmanager", "UpdateSecretVersionStage", FamilyWrite},
		{"secretsmanager", "PutSecretValue", FamilyWrite},
		{"secretsmanager", "CreateSecret", FamilyWrite},
		{"secretsmanager", "DeleteSecret", FamilyWrite},
		{"secretsmanager", "RestoreSecret", FamilyWrite},
		{"secretsmanager", "DescribeSecret", FamilyDescribe},
		{"secretsmanager", "GetSecretValue", FamilyDescribe},
		{"secretsmanager", "ListSecrets", FamilyList},
		{"Secrets Manager", "ListSecrets", FamilyList},
		{"secretsmanager", "ListSecretVersionIds", ""},
		{"secretsmanager", "BatchGetSecretValue", ""},
		{"secretsmanager", "GetRandomPassword", ""},
		{"config", "ListSecrets", ""},
		{"kms", "TagResource", ""},
		{"sts", "AssumeRole", ""},
	}
	for _, tt := range tests {
		t.Run(tt.service+":"+tt.op, func(t *testing.T) {
			if got := Family(tt.service, tt.op); got != tt.want {
				t.Fatalf("Family(%q, %q) = %q, want %q", tt.service, tt.op, got, tt.want)
			}
		})
	}
}

func TestServiceName(t *testing.T) {
	tests := map[string]string{
		"Secrets Manager": "secretsmanager", "Config Service": "config", "STS": "sts",
		"IAM": "iam", "KMS": "kms", "CloudTrail": "cloudtrail", "EventBridge": "events",
		"SSO OIDC": "ssooidc", "DynamoDB": "dynamodb",
	}
	for id, want := range tests {
		t.Run(id, func(t *testing.T) {
			if got := serviceName(id); got != want {
				t.Fatalf("serviceName(%q) = %q, want %q", id, got, want)
			}
		})
	}
}

func TestBudgetDefaults(t *testing.T) {
	d := DefaultBudget()
	if d != (Budget{Policy: 40, Rotation: 40, Tagging: 40, Write: 40, Describe: 5000, List: 50}) {
		t.Fatalf("DefaultBudget() = %+v", d)
	}
	got := Budget{Write: 7, List: -1}.withDefaults()
	want := Budget{Policy: 40, Rotation: 40, Tagging: 40, Write: 7, Describe: 5000, List: -1}
	if got != want {
		t.Fatalf("withDefaults = %+v, want %+v", got, want)
	}
	l := NewLimiter(Budget{Write: 7})
	if r := float64(l.buckets[FamilyWrite].Limit()); r != 7 {
		t.Fatalf("write rate = %v, want 7", r)
	}
	if r := float64(l.buckets[FamilyDescribe].Limit()); r != 5000 {
		t.Fatalf("describe rate = %v, want 5000", r)
	}
}

// TestLimiterDelays reserves tokens at one fixed instant, so no clock moves:
// at 5/s with a burst of 1, the k-th back-to-back call waits (k-1)*200ms.
func TestLimiterDelays(t *testing.T) {
	l := NewLimiter(Budget{List: 5})
	b := l.buckets[FamilyList]
	if b.Burst() != 1 {
		t.Fatalf("burst = %d, want 1", b.Burst())
	}
	now := time.Now()
	delayed := 0
	for k := range 10 {
		r := b.ReserveN(now, 1)
		if !r.OK() {
			t.Fatalf("reservation %d not OK", k)
		}
		want := time.Duration(k) * 200 * time.Millisecond
		if d := r.DelayFrom(now); math.Abs(float64(d-want)) > float64(time.Millisecond) {
			t.Fatalf("reservation %d delay = %v, want %v", k, d, want)
		}
		if r.DelayFrom(now) > 0 {
			delayed++
		}
	}
	if delayed != 9 {
		t.Fatalf("%d of 10 reservations delayed, want 9", delayed)
	}
	// The burst is a tenth of the per-second budget.
	if got := NewLimiter(Budget{}).buckets[FamilyPolicy].Burst(); got != 4 {
		t.Fatalf("policy burst = %d, want 4", got)
	}
}

func TestLimiterWait(t *testing.T) {
	l := NewLimiter(Budget{Rotation: 0.001, Tagging: -1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tests := []struct {
		name, service, op string
		calls             int
		wantErr           bool
	}{
		{"unlimited family", "secretsmanager", "TagResource", 1000, false},
		{"no family", "secretsmanager", "ListSecretVersionIds", 1000, false},
		{"other service", "kms", "RotateSecret", 1000, false},
		// One token per 1000 s: the second call cannot get one before the deadline.
		{"exhausted", "secretsmanager", "RotateSecret", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			for range tt.calls {
				if err = l.Wait(ctx, tt.service, tt.op); err != nil {
					break
				}
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("Wait error = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
	var nilLimiter *Limiter
	if err := nilLimiter.Wait(ctx, "secretsmanager", "ListSecrets"); err != nil {
		t.Fatalf("nil Limiter: %v", err)
	}
}
