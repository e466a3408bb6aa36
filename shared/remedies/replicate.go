package remedies

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// replicate adds the replica Regions a secret's class or replication tag
// requires, each on that Region's baseline key.
type replicate struct{}

func (replicate) ID() string { return baseline.RemedyReplicate }
func (replicate) Doc() string {
	return "Replicates a secret to the Regions its class and replication tag require that it lacks, each on the Region's baseline key, never overwriting a secret there."
}
func (replicate) Fixes() []string { return []string{baseline.CheckReplication} }

// IAMActions: ReplicateSecretToRegions needs kms:Decrypt on the primary's
// key and kms:GenerateDataKey and kms:Encrypt on each replica's key;
// DescribeKey and GetKeyPolicy verify the replica keys first.
func (replicate) IAMActions() []string {
	return append([]string{"secretsmanager:ReplicateSecretToRegions", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, keyReadActions...)
}

// Plan makes one ReplicateSecretToRegions call for the required Regions
// that have no replica yet, each with KmsKeyId = the Region's baseline
// default key, verified like use-cmk's (read through Clients.KMSFor), and
// ForceOverwriteReplicaSecret false. A Region without a default key (which
// would land on aws/secretsmanager and fail the cmk check) or whose key
// fails verification is left for a person: the plan covers the other
// Regions and comes with a NeedsHuman error naming them. Existing replicas
// that are failing or on the wrong key are not touched (removing a replica
// is a person's decision). There is no undo.
func (r replicate) Plan(ctx context.Context, c Clients, in Input) (Plan, error) {
	if err := checkInput(r.ID(), in); err != nil {
		return Plan{}, err
	}
	s, b := in.Secret, in.Baseline
	p := newPlan(r.ID(), s)
	if s.IsReplica() {
		return p, NeedsHuman(fmt.Sprintf("the secret is a replica: replicate the primary in %s", s.PrimaryRegion))
	}
	missing := missingRegions(b, in.Class, s)
	if len(missing) == 0 {
		return p, nil
	}
	if !s.ReplicasKnown {
		return p, fmt.Errorf("%s %s: the replication status was not observed (DescribeSecret)", r.ID(), s.ARN)
	}
	var add []smtypes.ReplicaRegionType
	var regions, problems []string
	after := clone(s)
	for _, region := range missing {
		ref := b.DefaultKey(s.Partition, region, s.AccountID)
		if ref == "" {
			problems = append(problems, fmt.Sprintf("%s: the baseline names no default key there (kms.defaultKeys), and replicating without one would land on aws/secretsmanager", region))
			continue
		}
		var k KMSAPI
		if c.KMSFor != nil {
			k = c.KMSFor(region)
		}
		if k == nil {
			return Plan{}, fmt.Errorf("%s %s: no KMS client for %s", r.ID(), s.ARN, region)
		}
		key, err := verifyKey(ctx, k, b, s, ref, region)
		if err != nil {
			if !isNeedsHuman(err) {
				return Plan{}, err
			}
			problems = append(problems, region+": "+Reason(err))
			continue
		}
		add = append(add, smtypes.ReplicaRegionType{Region: aws.String(region), KmsKeyId: aws.String(key.Ref)})
		regions = append(regions, region+" ("+key.Ref+")")
		after.Replicas = append(after.Replicas, secret.Replica{Region: region, KMSKeyID: key.Ref})
	}
	if len(add) > 0 {
		p.Calls = []Call{replicateCall(&secretsmanager.ReplicateSecretToRegionsInput{
			SecretId:                    aws.String(s.ARN),
			AddReplicaRegions:           add,
			ForceOverwriteReplicaSecret: false, // a secret of the same name there is a person's to resolve
		})}
		p.After = StateOf(after)
		p.Summary = "replicate to " + strings.Join(regions, ", ")
	}
	if len(problems) == 0 {
		return p, nil
	}
	reason := "cannot replicate to " + strings.Join(problems, "; ")
	if p.Summary != "" {
		p.Summary += "; left for a person: " + reason
	} else {
		p.Summary = "left for a person: " + reason
	}
	return p, NeedsHuman(reason)
}

// missingRegions returns the required Regions with no replica, sorted.
func missingRegions(b *baseline.Baseline, c *baseline.Class, s *secret.Snapshot) []string {
	have := map[string]bool{}
	for _, rep := range s.Replicas {
		have[rep.Region] = true
	}
	var out []string
	for _, region := range b.RequiredRegions(c, s.Tags, s.Region) {
		if !have[region] {
			out = append(out, region)
		}
	}
	return out
}
