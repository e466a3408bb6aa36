package remedies_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/secret"
)

const dryARN = "arn:aws:secretsmanager:us-east-1:" + account + ":secret:dr/x-AbCdEf"

func dryKMS() remedies.Clients {
	c := remedies.Clients{}
	byRegion := map[string]*fakeKMS{}
	for _, r := range []string{"us-east-1", "eu-west-1", "us-west-2"} {
		key := "arn:aws:kms:" + r + ":" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
		k := newFakeKMS(customerKey(key))
		k.aliases["alias/secretguard"] = key
		k.policy[key] = keyPolicy(r, true)
		byRegion[r] = k
	}
	c.KMS = byRegion["us-east-1"]
	c.KMSFor = func(r string) remedies.KMSAPI { return byRegion[r] }
	return c
}

// TestDryRunParams: each remedy's calls render as exactly the parameters
// that would be sent, unset fields left out.
func TestDryRunParams(t *testing.T) {
	b := testBaseline(t)
	tests := []struct {
		remedy string
		edit   func(*secret.Snapshot)
		want   string
	}{
		{baseline.RemedyEnableRotation, nil,
			`{"RotateImmediately":false,"RotationLambdaARN":"` + rotateFn + `","RotationRules":{"AutomaticallyAfterDays":90},"SecretId":"` + dryARN + `"}`},
		{baseline.RemedyFixSchedule, func(s *secret.Snapshot) {
			s.RotationEnabled, s.RotationLambdaARN = true, rotateFn
			s.RotationRules = secret.RotationRules{ScheduleExpression: "rate(120 days)", AutomaticallyAfterDays: 120, Duration: "2h"}
		}, `{"RotateImmediately":false,"RotationLambdaARN":"` + rotateFn + `","RotationRules":{"AutomaticallyAfterDays":90,"Duration":"2h"},"SecretId":"` + dryARN + `"}`},
		{baseline.RemedyAddTags, nil,
			`{"SecretId":"` + dryARN + `","Tags":[{"Key":"environment","Value":"prod"},{"Key":"owner","Value":"alice"},{"Key":"secretguard:rotation-status","Value":"disabled"}]}`},
		{baseline.RemedyUseCMK, nil,
			`{"KmsKeyId":"arn:aws:kms:us-east-1:` + account + `:key/1234abcd-12ab-34cd-56ef-1234567890ab","SecretId":"` + dryARN + `"}`},
		{baseline.RemedyTightenPolicy, func(s *secret.Snapshot) {
			s.ResourcePolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}`
		}, `{"BlockPublicPolicy":true,"ResourcePolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[\"secretsmanager:GetSecretValue\"],\"Resource\":[\"*\"],\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":[\"` + org + `\"]}}}]}","SecretId":"` + dryARN + `"}`},
		{baseline.RemedyReplicate, nil,
			`{"AddReplicaRegions":[{"KmsKeyId":"arn:aws:kms:eu-west-1:` + account + `:key/1234abcd-12ab-34cd-56ef-1234567890ab","Region":"eu-west-1"},{"KmsKeyId":"arn:aws:kms:us-west-2:` + account + `:key/1234abcd-12ab-34cd-56ef-1234567890ab","Region":"us-west-2"}],"ForceOverwriteReplicaSecret":false,"SecretId":"` + dryARN + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.remedy, func(t *testing.T) {
			s := &secret.Snapshot{Name: "dr/x", PolicyKnown: true, ReplicasKnown: true}
			if err := s.SetARN(dryARN); err != nil {
				t.Fatal(err)
			}
			if tt.edit != nil {
				tt.edit(s)
			}
			r, _ := remedies.ByID(tt.remedy)
			in := input(b, s, checks.Finding{})
			in.Hints.Creator = "arn:aws:iam::" + account + ":user/alice"
			plan, err := r.Plan(ctxFor(t), dryKMS(), in)
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Calls) != 1 {
				t.Fatalf("calls %+v", plan.Calls)
			}
			oc := plan.OutcomeCalls("dry-run")
			if got := string(oc[0].Params); got != tt.want {
				t.Errorf("params\n got %s\nwant %s", got, tt.want)
			}
			if oc[0].Outcome != "dry-run" || oc[0].Service != "secretsmanager" || oc[0].Operation != plan.Calls[0].Operation {
				t.Errorf("outcome call %+v", oc[0])
			}
			if plan.Remedy != tt.remedy || plan.Secret != dryARN || plan.Summary == "" {
				t.Errorf("plan %q %q %q", plan.Remedy, plan.Secret, plan.Summary)
			}
		})
	}
}

// ExamplePlan_OutcomeCalls shows a dry run: the plan's calls with their
// parameters, as the CLI prints them and the events carry them.
func ExamplePlan_OutcomeCalls() {
	b := baseline.Default()
	b.Classes[2].RotationFunctions = []baseline.RotationFunction{{Engine: "*", ARN: "arn:${Partition}:lambda:${Region}:${AccountId}:function:rotate"}}
	s := &secret.Snapshot{Name: "app/orders"}
	_ = s.SetARN("arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/orders-AbCdEf")

	r, _ := remedies.ByID(baseline.RemedyEnableRotation)
	plan, err := r.Plan(context.Background(), remedies.Clients{}, remedies.Input{Secret: s, Baseline: b, Class: b.ClassFor(s.Name, "", nil)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Summary)
	for _, c := range plan.OutcomeCalls("dry-run") {
		fmt.Println(c.Operation, string(c.Params))
	}
	// Output:
	// enable rotation every 90 days with arn:aws:lambda:eu-west-1:111122223333:function:rotate
	// RotateSecret {"RotateImmediately":false,"RotationLambdaARN":"arn:aws:lambda:eu-west-1:111122223333:function:rotate","RotationRules":{"AutomaticallyAfterDays":90},"SecretId":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/orders-AbCdEf"}
}
