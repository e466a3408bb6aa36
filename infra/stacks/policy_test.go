package stacks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func allStacks(t *testing.T) map[string]awscdk.Stack {
	out := map[string]awscdk.Stack{}
	for r, s := range singleBuilt(t).Single {
		out["single "+r] = s
	}
	b := orgBuilt(t)
	for r, s := range b.Hub {
		out["hub "+r] = s
	}
	out["spoke"], out["org"] = b.Spoke, b.Org
	return out
}

// TestLeastPrivilege: no managed policies, no action wildcards, and
// GetSecretValue only for the notifier on the credential secrets the
// baseline names.
func TestLeastPrivilege(t *testing.T) {
	creds := []string{
		"arn:aws:secretsmanager:eu-west-1:111111111111:secret:secretguard/jira-AbCdEf",
		"arn:aws:secretsmanager:eu-west-1:111111111111:secret:secretguard/webhook-AbCdEf",
	}
	for name, s := range allStacks(t) {
		for role, sts := range templateOf(t, s).roleStatements() {
			for _, st := range sts {
				for _, a := range st.Actions {
					if strings.Contains(a, "*") {
						t.Errorf("%s %s: wildcard action %s", name, role, a)
					}
					if a != getSecretValue {
						continue
					}
					if !strings.HasPrefix(role, "secretguard-notifier-") || !slices.Equal(st.Actions, []string{a}) || !slices.Equal(st.Resources, creds[:1]) && !slices.Equal(st.Resources, creds[1:]) {
						t.Errorf("%s %s: GetSecretValue on %v", name, role, st.Resources)
					}
				}
			}
		}
		for id, r := range templateOf(t, s).resources("AWS::IAM::Role") {
			if _, ok := props(r)["ManagedPolicyArns"]; ok {
				t.Errorf("%s %s: managed policies", name, id)
			}
		}
	}
}

// TestNag: every AwsSolutions finding is fixed or suppressed with a reason.
func TestNag(t *testing.T) {
	for name, s := range allStacks(t) {
		a := assertions.Annotations_FromStack(s)
		for _, level := range []string{"error", "warning"} {
			var msgs []string
			find := a.FindError
			if level == "warning" {
				find = a.FindWarning
			}
			for _, m := range *find(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
				// JSON, not fields: cxapi.SynthesisMessage's are deprecated.
				b, _ := json.Marshal(m)
				msgs = append(msgs, strings.SplitN(string(b), "]:", 2)[0])
			}
			if len(msgs) > 0 {
				t.Errorf("%s: cdk-nag %ss:\n  %s", name, level, strings.Join(msgs, "\n  "))
			}
		}
	}
}

// TestNoEC2WriteOnAnyResource: in every role of every stack, the EC2
// actions that change a network are granted on resources, never on "*",
// and CreateVpcEndpoint creates Secrets Manager endpoints only.
func TestNoEC2WriteOnAnyResource(t *testing.T) {
	for name, s := range allStacks(t) {
		for role, sts := range templateOf(t, s).roleStatements() {
			for _, st := range sts {
				w := ec2Writes(st.Actions)
				if len(w) == 0 {
					continue
				}
				if slices.Contains(st.Resources, "*") {
					t.Errorf("%s %s: %v on *", name, role, w)
				}
				if slices.Contains(w, "ec2:CreateVpcEndpoint") && slices.ContainsFunc(st.Resources, func(r string) bool { return strings.HasSuffix(r, ":vpc-endpoint/*") }) &&
					!strings.Contains(st.Condition, `"ec2:VpceServiceName":["com.amazonaws.`) {
					t.Errorf("%s %s: CreateVpcEndpoint %+v", name, role, st)
				}
			}
		}
	}
}

func TestUnknownActionFailsSynth(t *testing.T) {
	if _, _, err := statements([]grant{{actions: []string{"s3:GetObject"}}}, ownRegion); err == nil || !strings.Contains(err.Error(), "resourcesFor") {
		t.Errorf("unknown action: %v", err)
	}
	if _, _, err := statements([]grant{{actions: []string{getSecretValue}}}, ownRegion); err == nil {
		t.Error("GetSecretValue got a default scope")
	}
}
