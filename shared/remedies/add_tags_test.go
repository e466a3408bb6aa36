package remedies_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
)

func TestAddTagsMoto(t *testing.T) {
	e := newEnv(t)
	arn := e.create(&secretsmanager.CreateSecretInput{Name: aws.String("app/tags"),
		Tags: []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("payments")}}})

	plan, after := e.remediate(arn, baseline.CheckRequiredTags,
		remedies.Hints{Creator: "arn:aws:sts::" + account + ":assumed-role/payments-deployer/ci-1234"})
	want := map[string]string{"team": "payments", "owner": "payments-deployer", "environment": "prod", remedies.RotationStatusTag: "disabled"}
	if !reflect.DeepEqual(after.Tags, want) {
		t.Errorf("tags %v, want %v", after.Tags, want)
	}
	if len(plan.Undo) != 1 {
		t.Fatalf("undo %+v", plan.Undo)
	}
	untag := plan.Undo[0].Input.(*secretsmanager.UntagResourceInput)
	if !reflect.DeepEqual(untag.TagKeys, []string{"environment", "owner", remedies.RotationStatusTag}) {
		t.Errorf("undo removes %v", untag.TagKeys)
	}
	if _, err := remedies.Apply(e.ctx, e.clients(), plan.Undo); err != nil {
		t.Fatal(err)
	}
	if got := e.observe(arn).Tags; !reflect.DeepEqual(got, map[string]string{"team": "payments"}) {
		t.Errorf("after undo: %v", got)
	}
}

// TestAddTagsPartial: a tag with no source is left for a person, the rest
// is planned, and the status tag is refreshed only when it differs.
func TestAddTagsPartial(t *testing.T) {
	b := testBaseline(t)
	b.RequiredTags = append(b.RequiredTags, baseline.TagRule{Key: "cost-center"}, baseline.TagRule{Key: "tier", Default: "gold"})
	s := &secret.Snapshot{Name: "app/x", Tags: map[string]string{"owner": "alice", remedies.RotationStatusTag: "enabled"}}
	if err := s.SetARN("arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/x-AbCdEf"); err != nil {
		t.Fatal(err)
	}
	r, _ := remedies.ByID(baseline.RemedyAddTags)
	plan, err := r.Plan(ctxFor(t), remedies.Clients{}, input(b, s, evaluate(t, b, baseline.CheckRequiredTags, s)))
	needsHuman(t, err, "cost-center")
	if plan.Empty() {
		t.Fatal("empty plan: the tags it can fill must still be planned")
	}
	tags := map[string]string{}
	for _, tg := range plan.Calls[0].Input.(*secretsmanager.TagResourceInput).Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	want := map[string]string{"environment": "prod", "tier": "gold", remedies.RotationStatusTag: "disabled"}
	if !reflect.DeepEqual(tags, want) {
		t.Errorf("tags %v, want %v", tags, want)
	}
	if plan.Summary != "tag environment=prod, secretguard:rotation-status=disabled, tier=gold; left for a person: no value is known for tag cost-center (no creator, environment or default); add it by hand" {
		t.Errorf("summary %q", plan.Summary)
	}
	// Undo removes the added keys and restores the old status value.
	if len(plan.Undo) != 2 {
		t.Fatalf("undo %+v", plan.Undo)
	}
	if keys := plan.Undo[0].Input.(*secretsmanager.UntagResourceInput).TagKeys; !reflect.DeepEqual(keys, []string{"environment", "tier"}) {
		t.Errorf("undo untags %v", keys)
	}
	restore := plan.Undo[1].Input.(*secretsmanager.TagResourceInput).Tags
	if len(restore) != 1 || aws.ToString(restore[0].Value) != "enabled" {
		t.Errorf("undo restores %+v", restore)
	}
}

func TestAddTagsSources(t *testing.T) {
	b := testBaseline(t)
	b.RequiredTags[0].Default = "platform-team"
	tests := []struct {
		name    string
		creator string
		envs    map[string]string
		want    map[string]string
		human   string
	}{
		{"user creator", "arn:aws:iam::" + account + ":user/dev/alice", nil, map[string]string{"owner": "alice"}, "environment"},
		{"role creator", "arn:aws-cn:iam::" + account + ":role/path/Deployer", map[string]string{account: "dev"}, map[string]string{"owner": "Deployer", "environment": "dev"}, ""},
		{"root creator falls back to the default", "arn:aws:iam::" + account + ":root", map[string]string{account: "staging"}, map[string]string{"owner": "platform-team", "environment": "staging"}, ""},
		{"no creator", "", map[string]string{account: "prod"}, map[string]string{"owner": "platform-team", "environment": "prod"}, ""},
		{"environment not allowed", "", map[string]string{account: "sandbox"}, map[string]string{"owner": "platform-team"}, "environment"},
		{"creator name with a comma falls back", "arn:aws:iam::" + account + ":role/a,b", nil, map[string]string{"owner": "platform-team"}, "environment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.Environments = tt.envs
			s := &secret.Snapshot{Name: "app/x", Tags: map[string]string{remedies.RotationStatusTag: "disabled"}}
			_ = s.SetARN("arn:aws:secretsmanager:us-east-1:" + account + ":secret:app/x-AbCdEf")
			in := input(b, s, checks.Finding{})
			in.Hints.Creator = tt.creator
			r, _ := remedies.ByID(baseline.RemedyAddTags)
			plan, err := r.Plan(ctxFor(t), remedies.Clients{}, in)
			if tt.human != "" {
				needsHuman(t, err, tt.human)
			} else if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plan.After.Tags, merge(s.Tags, tt.want)) {
				t.Errorf("after %v, want %v", plan.After.Tags, merge(s.Tags, tt.want))
			}
		})
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestPrincipalName(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::123456789012:user/alice":                           "alice",
		"arn:aws:iam::123456789012:user/division/team/bob":               "bob",
		"arn:aws:iam::123456789012:role/service-role/Deployer":           "Deployer",
		"arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com": "Admin",
		"arn:aws-us-gov:sts::123456789012:federated-user/carol":          "carol",
		"arn:aws:iam::123456789012:root":                                 "",
		"arn:aws:s3:::bucket/key":                                        "",
		"AROAEXAMPLEID":                                                  "",
		"":                                                               "",
	} {
		if got := remedies.PrincipalName(in); got != want {
			t.Errorf("PrincipalName(%q) = %q, want %q", in, got, want)
		}
	}
}
