package remedies

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/secret"
)

// RotationStatusTag is the tag add-tags keeps current: "enabled",
// "disabled" or "managed-by-<service>".
const RotationStatusTag = "secretguard:rotation-status"

// Tag keys whose values add-tags can derive.
const (
	ownerKey       = "owner"
	environmentKey = "environment"
)

// maxTags is Secrets Manager's limit of tags per secret.
const maxTags = 50

// tagValueChars are the characters Secrets Manager accepts in a tag value
// (at most 256 of them, checked apart: a counted repeat of Unicode classes
// cost ~30 ms to compile at every cold start).
var tagValueChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// addTags adds the required tags a secret lacks and keeps the
// rotation-status tag current.
type addTags struct{}

func (addTags) ID() string { return baseline.RemedyAddTags }
func (addTags) Doc() string {
	return "Adds missing required tags from the creator, the account's environment or the baseline's defaults, never overwriting a value, and keeps secretguard:rotation-status current."
}
func (addTags) Fixes() []string { return []string{baseline.CheckRequiredTags} }
func (addTags) IAMActions() []string {
	return []string{"secretsmanager:TagResource", "secretsmanager:UntagResource"}
}

// RotationStatus is the value of RotationStatusTag for a secret.
func RotationStatus(s *secret.Snapshot) string {
	switch {
	case s.OwningService != "":
		return "managed-by-" + s.OwningService
	case s.RotationEnabled:
		return "enabled"
	}
	return "disabled"
}

// Plan makes one TagResource call with every required tag that is absent
// and has a value source, plus RotationStatusTag when its value differs.
// Sources, in order: for "owner" the name in Hints.Creator (the user or role
// name of the ARN), for "environment" Baseline.Environments[account], then
// the rule's Default; a value that the rule's allowedValues or Secrets
// Manager would reject is skipped. A present tag is never overwritten, not
// even an empty one.
//
// A required tag that is empty, or absent with no source, is left for a
// person: Plan returns the plan for the rest (possibly empty) together with
// a NeedsHuman error naming those keys, and the Summary names them too.
// Undo removes the keys the plan adds and restores a changed status tag.
func (r addTags) Plan(_ context.Context, _ Clients, in Input) (Plan, error) {
	if err := checkInput(r.ID(), in); err != nil {
		return Plan{}, err
	}
	s := in.Secret
	p := newPlan(r.ID(), s)
	if s.IsReplica() {
		return p, NeedsHuman(fmt.Sprintf("the secret is a replica: tag the primary in %s", s.PrimaryRegion))
	}
	set := map[string]string{}
	var empty, unknown []string
	for _, rule := range in.Baseline.RequiredTags {
		v, present := s.Tags[rule.Key]
		switch {
		case present && strings.TrimSpace(v) == "":
			empty = append(empty, rule.Key)
		case present:
			// A value that is not allowed is the check's to report; a
			// person corrects it.
		default:
			if val, ok := tagSource(in, rule); ok {
				set[rule.Key] = val
			} else {
				unknown = append(unknown, rule.Key)
			}
		}
	}
	status := RotationStatus(s)
	oldStatus, hadStatus := s.Tags[RotationStatusTag]
	if oldStatus != status {
		set[RotationStatusTag] = status
	}
	var problems []string
	if len(empty) > 0 {
		problems = append(problems, fmt.Sprintf("tag %s is present but empty; secretguard never overwrites a value, so set it by hand", strings.Join(empty, ", ")))
	}
	if len(unknown) > 0 {
		problems = append(problems, fmt.Sprintf("no value is known for tag %s (no creator, environment or default); add it by hand", strings.Join(unknown, ", ")))
	}
	added := 0
	for k := range set {
		if _, ok := s.Tags[k]; !ok {
			added++
		}
	}
	if len(s.Tags)+added > maxTags {
		problems = append(problems, fmt.Sprintf("adding %d tags would exceed Secrets Manager's %d tags per secret", added, maxTags))
		set = nil
	}
	if len(set) > 0 {
		r.fill(&p, s, set, hadStatus, oldStatus)
	}
	if len(problems) == 0 {
		return p, nil
	}
	if p.Summary != "" {
		p.Summary += "; "
	}
	p.Summary += "left for a person: " + strings.Join(problems, "; ")
	return p, NeedsHuman(strings.Join(problems, "; "))
}

// fill sets the calls, undo, after-state and summary for the tags to set.
func (addTags) fill(p *Plan, s *secret.Snapshot, set map[string]string, hadStatus bool, oldStatus string) {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	tags := make([]smtypes.Tag, 0, len(keys))
	var newKeys, desc []string
	after := clone(s)
	if after.Tags == nil {
		after.Tags = map[string]string{}
	}
	for _, k := range keys {
		tags = append(tags, smtypes.Tag{Key: aws.String(k), Value: aws.String(set[k])})
		if _, ok := s.Tags[k]; !ok {
			newKeys = append(newKeys, k)
		}
		after.Tags[k] = set[k]
		desc = append(desc, k+"="+set[k])
	}
	p.Calls = []Call{tagCall(&secretsmanager.TagResourceInput{SecretId: aws.String(s.ARN), Tags: tags})}
	if len(newKeys) > 0 {
		p.Undo = append(p.Undo, untagCall(&secretsmanager.UntagResourceInput{SecretId: aws.String(s.ARN), TagKeys: newKeys}))
	}
	if _, changed := set[RotationStatusTag]; changed && hadStatus {
		p.Undo = append(p.Undo, tagCall(&secretsmanager.TagResourceInput{SecretId: aws.String(s.ARN),
			Tags: []smtypes.Tag{{Key: aws.String(RotationStatusTag), Value: aws.String(oldStatus)}}}))
	}
	p.After = StateOf(after)
	p.Summary = "tag " + strings.Join(desc, ", ")
}

// tagSource returns the value add-tags would set for an absent required tag.
func tagSource(in Input, rule baseline.TagRule) (string, bool) {
	var candidates []string
	switch strings.ToLower(rule.Key) {
	case ownerKey:
		candidates = append(candidates, PrincipalName(in.Hints.Creator))
	case environmentKey:
		candidates = append(candidates, in.Baseline.Environments[in.Secret.AccountID])
	}
	candidates = append(candidates, rule.Default)
	for _, v := range candidates {
		if validTagValue(v, rule) {
			return v, true
		}
	}
	return "", false
}

func validTagValue(v string, rule baseline.TagRule) bool {
	if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > 256 || !tagValueChars.MatchString(v) {
		return false
	}
	return len(rule.AllowedValues) == 0 || slices.Contains(rule.AllowedValues, v)
}

// PrincipalName returns the name in a principal ARN: the user name of
// arn:...:iam::<account>:user/<path>/<name>, the role name of a role or an
// assumed role (arn:...:sts::<account>:assumed-role/<role>/<session>), the
// federated user's name; "" for the account root, a service or anything
// that is not such an ARN.
func PrincipalName(principalARN string) string {
	a, err := arn.Parse(principalARN)
	if err != nil || (a.Service != "iam" && a.Service != "sts") {
		return ""
	}
	kind, rest, ok := strings.Cut(a.Resource, "/")
	if !ok || rest == "" {
		return ""
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	switch kind {
	case "user", "role":
		return parts[len(parts)-1]
	case "assumed-role", "federated-user":
		return parts[0]
	}
	return ""
}
