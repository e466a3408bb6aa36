package checks

import (
	"fmt"
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/kmskey"
	"github.com/secretguard/secretguard/shared/secret"
)

// replication: the secret is replicated, in sync and on a customer managed
// key, to every Region its class and replication tag require.
type replication struct{}

func (replication) ID() string { return baseline.CheckReplication }
func (replication) Doc() string {
	return "The secret is replicated to every Region its class and replication tag require, in sync and on an allowed customer managed key."
}
func (replication) Needs() Needs { return Needs{Replicas: true} }

// AppliesToReplicas is false: replication is managed on the primary.
func (replication) AppliesToReplicas() bool { return false }

// ShouldReplicate reports whether a secret must be replicated: a primary,
// not scheduled for deletion, whose class or replication tag requires other
// Regions. The Observer reads the replication status only for those.
func ShouldReplicate(s *secret.Snapshot, b *baseline.Baseline) bool {
	if s.IsReplica() || s.ScheduledForDeletion() {
		return false
	}
	c := b.ClassFor(s.Name, s.OwningService, s.Tags)
	return len(b.RequiredRegions(c, s.Tags, s.Region)) > 0
}

func (r replication) Evaluate(in Input) Finding {
	s, b, id := in.Secret, in.Baseline, r.ID()
	required := b.RequiredRegions(in.Class, s.Tags, s.Region)
	if len(required) == 0 {
		return finding(id, Compliant, "", "No replication required (class %s%s).", className(in.Class), tagNote(b, " names no Region"))
	}
	if !s.ReplicasKnown {
		return finding(id, NotApplicable, "", "Replication status not read (%s); required: %s.", problemOr(s, "DescribeSecret was not called"), brief(required, 6))
	}
	byRegion := make(map[string]secret.Replica, len(s.Replicas))
	for _, rep := range s.Replicas {
		byRegion[rep.Region] = rep
	}
	var missing, problems []string
	for _, region := range required {
		rep, ok := byRegion[region]
		switch {
		case !ok:
			missing = append(missing, region)
		case rep.Status != "InSync":
			msg := strings.TrimSpace(rep.StatusMessage)
			if msg == "" {
				msg = "no status message"
			}
			todo := "fix the cause, then remove and re-replicate it"
			if rep.Status == "InProgress" {
				todo = "wait for it; if it stays so, remove and re-replicate it"
			}
			problems = append(problems, fmt.Sprintf("replica in %s is %s (%s): %s", region, clip(rep.Status, 20), clip(msg, 80), todo))
		}
	}
	// Keys are checked on every replica: each holds a copy of the secret.
	for _, rep := range s.Replicas {
		if p := replicaKeyProblem(s, b, rep); p != "" {
			problems = append(problems, p)
		}
	}
	switch {
	case len(missing) > 0:
		msg := fmt.Sprintf("Not replicated to %s (required by class %s%s); replicate it there.", brief(missing, 6), className(in.Class), tagNote(b, ""))
		if len(problems) > 0 {
			msg += " Also: " + problems[0] + "."
		}
		return finding(id, NonCompliant, baseline.RemedyReplicate, "%s", msg)
	case len(problems) == 1:
		return finding(id, NonCompliant, "", "The %s.", problems[0])
	case len(problems) > 1:
		return finding(id, NonCompliant, "", "%d replica problems; the first: %s.", len(problems), problems[0])
	}
	return finding(id, Compliant, "", "Replicated to %s, in sync, on customer managed keys.", brief(required, 6))
}

// tagNote mentions the replication tag, when the baseline defines one.
func tagNote(b *baseline.Baseline, suffix string) string {
	if b.Replication.Tag == "" {
		return ""
	}
	if suffix == "" {
		return " or tag " + b.Replication.Tag
	}
	return ", tag " + b.Replication.Tag + suffix
}

// replicaKeyProblem says what is wrong with a replica's key, or "". A
// replica's key cannot be changed in place: the replica must be removed and
// replicated again with the right key.
func replicaKeyProblem(s *secret.Snapshot, b *baseline.Baseline, rep secret.Replica) string {
	def := func() string {
		if k := b.DefaultKey(s.Partition, rep.Region, s.AccountID); k != "" {
			return k
		}
		return "a customer managed key"
	}
	if kmskey.IsAWSManaged(rep.KMSKeyID) {
		return fmt.Sprintf("replica in %s uses the AWS managed key: remove it and re-replicate with %s", rep.Region, def())
	}
	if allowed := kmskey.AllowedKeys(b, s, rep.Region); allowed != nil && !kmskey.Allowed(rep.KMSKeyID, allowed) {
		return fmt.Sprintf("replica in %s uses key %s, not allowed there: remove it and re-replicate with %s", rep.Region, rep.KMSKeyID, def())
	}
	return ""
}
