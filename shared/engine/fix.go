package engine

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/remedies"
)

// waiverDays is how far ahead the suggested waiver runs (at most the
// baseline's waivers.maxDays).
const waiverDays = 30

// WaiverTag is the tag that waives a check for a secret, as a team would
// set it: "<prefix><check>=<YYYY-MM-DD> <reason>".
func WaiverTag(b *baseline.Baseline, check string, now time.Time) string {
	days := waiverDays
	if m := b.Waivers.MaxDays; m > 0 && m < days {
		days = m
	}
	return fmt.Sprintf("%s%s=%s <reason>", b.Waivers.TagPrefix, check, now.AddDate(0, 0, days).UTC().Format(time.DateOnly))
}

// FixCommand renders calls as the AWS CLI commands a team could run
// instead, joined with " && ". Each names the Region of the secret.
func FixCommand(calls []remedies.Call, region string) string {
	cmds := make([]string, 0, len(calls))
	for _, c := range calls {
		cmds = append(cmds, cliCommand(c, region))
	}
	return strings.Join(cmds, " && ")
}

func cliCommand(c remedies.Call, region string) string {
	var args []string
	add := func(flag string, values ...string) {
		args = append(args, flag)
		for _, v := range values {
			args = append(args, shellQuote(v))
		}
	}
	boolFlag := func(b *bool, yes, no string) {
		if b != nil {
			args = append(args, map[bool]string{true: yes, false: no}[*b])
		}
	}
	switch in := c.Input.(type) {
	case *secretsmanager.RotateSecretInput:
		add("--secret-id", aws.ToString(in.SecretId))
		if in.RotationLambdaARN != nil {
			add("--rotation-lambda-arn", *in.RotationLambdaARN)
		}
		if in.RotationRules != nil {
			add("--rotation-rules", rulesArg(in.RotationRules))
		}
		boolFlag(in.RotateImmediately, "--rotate-immediately", "--no-rotate-immediately")
	case *secretsmanager.TagResourceInput:
		add("--secret-id", aws.ToString(in.SecretId))
		add("--tags", tagsArg(in.Tags))
	case *secretsmanager.UntagResourceInput:
		add("--secret-id", aws.ToString(in.SecretId))
		add("--tag-keys", in.TagKeys...)
	case *secretsmanager.PutResourcePolicyInput:
		add("--secret-id", aws.ToString(in.SecretId))
		add("--resource-policy", aws.ToString(in.ResourcePolicy))
		boolFlag(in.BlockPublicPolicy, "--block-public-policy", "--no-block-public-policy")
	case *secretsmanager.DeleteResourcePolicyInput:
		add("--secret-id", aws.ToString(in.SecretId))
	case *secretsmanager.UpdateSecretInput:
		add("--secret-id", aws.ToString(in.SecretId))
		if in.KmsKeyId != nil {
			add("--kms-key-id", *in.KmsKeyId)
		}
	case *secretsmanager.ReplicateSecretToRegionsInput:
		add("--secret-id", aws.ToString(in.SecretId))
		var regions []string
		for _, r := range in.AddReplicaRegions {
			s := "Region=" + aws.ToString(r.Region)
			if r.KmsKeyId != nil {
				s += ",KmsKeyId=" + *r.KmsKeyId
			}
			regions = append(regions, s)
		}
		add("--add-replica-regions", regions...)
		args = append(args, map[bool]string{true: "--force-overwrite-replica-secret", false: "--no-force-overwrite-replica-secret"}[in.ForceOverwriteReplicaSecret])
	default:
		params, err := remedies.Params(c)
		if err != nil {
			return fmt.Sprintf("# %s %s: %v", c.Service, c.Operation, err)
		}
		add("--cli-input-json", string(params))
	}
	return fmt.Sprintf("aws %s %s --region %s %s", c.Service, kebab(c.Operation), shellQuote(region), strings.Join(args, " "))
}

// rulesArg renders rotation rules in the CLI's shorthand when it can.
func rulesArg(r *smtypes.RotationRulesType) string {
	if r.ScheduleExpression != nil {
		b, _ := json.Marshal(map[string]string{"ScheduleExpression": *r.ScheduleExpression, "Duration": aws.ToString(r.Duration)})
		return strings.Replace(string(b), `,"Duration":""`, "", 1)
	}
	s := fmt.Sprintf("AutomaticallyAfterDays=%d", aws.ToInt64(r.AutomaticallyAfterDays))
	if r.Duration != nil {
		s += ",Duration=" + *r.Duration
	}
	return s
}

// tagsArg renders tags as the CLI's JSON list (values may hold spaces).
func tagsArg(tags []smtypes.Tag) string {
	type tag struct{ Key, Value string }
	out := make([]tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	b, _ := json.Marshal(out)
	return string(b)
}

var (
	upperRun = regexp.MustCompile(`([a-z0-9])([A-Z])`)
	plain    = regexp.MustCompile(`^[A-Za-z0-9_./:=,+@%-]+$`)
)

// kebab turns an operation name into its CLI command: RotateSecret →
// rotate-secret.
func kebab(op string) string { return strings.ToLower(upperRun.ReplaceAllString(op, "$1-$2")) }

// shellQuote quotes a value for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if plain.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
