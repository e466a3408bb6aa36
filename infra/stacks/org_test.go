package stacks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

func TestHubStack(t *testing.T) {
	b := orgBuilt(t)
	if len(b.Hub) != 2 || len(b.Single) != 0 {
		t.Fatalf("hub stacks %d, single %d", len(b.Hub), len(b.Single))
	}
	tp := templateOf(t, b.Hub["us-east-1"])
	countsAre(t, tp, map[string]int{
		"AWS::Lambda::Function":   5,
		"AWS::Config::ConfigRule": 0, // the spoke holds them
		"AWS::Events::EventBus":   1,
		"AWS::Events::Rule":       4,
		"AWS::DynamoDB::Table":    1,
		"AWS::Lambda::Permission": 4, // config.amazonaws.com, one per account (2 members + hub); events -> accesswatch
		"AWS::KMS::Key":           1, // ops key only: the hub's secrets key comes with its spoke
		"AWS::IAM::Policy":        0,
	})
	for _, r := range tp.resources("AWS::Events::EventBus") {
		p := props(r)
		sts := statementsOf(p["Policy"])
		want := `{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij","events:source":["aws.config","aws.secretsmanager"]}}`
		if p["Name"] != HubBusName || len(sts) != 1 || sts[0].Condition != want || sts[0].Principal != `{"AWS":"*"}` {
			t.Errorf("bus %v policy %+v", p["Name"], sts)
		}
	}
	var accounts []string
	for _, r := range tp.resources("AWS::Lambda::Permission") {
		p := props(r)
		if p["Principal"] == "events.amazonaws.com" && strings.Contains(flat(p["FunctionName"]), "Functionsaccesswatch") {
			continue
		}
		if p["Principal"] != "config.amazonaws.com" || !strings.Contains(flat(p["FunctionName"]), "Functionsevaluator") {
			t.Errorf("permission %v", p)
		}
		accounts = append(accounts, flat(p["SourceAccount"]))
	}
	slices.Sort(accounts)
	if want := []string{hubAccount, memberA, memberB}; !slices.Equal(accounts, want) {
		t.Errorf("config permissions for %v, want %v", accounts, want)
	}
	roles := tp.roleStatements()
	for _, fn := range []string{"evaluator", "remediator"} {
		var assume []statement
		for _, s := range roles[RoleName(fn, "us-east-1")] {
			if slices.Contains(s.Actions, "sts:AssumeRole") {
				assume = append(assume, s)
			}
		}
		if len(assume) != 1 || !slices.Equal(assume[0].Resources, []string{"arn:${AWS::Partition}:iam::*:role/secretguard-spoke"}) ||
			assume[0].Condition != `{"StringEquals":{"aws:ResourceOrgID":"o-abcdefghij"}}` {
			t.Errorf("%s assume: %+v", fn, assume)
		}
	}
	for _, r := range tp.resources("AWS::Events::Rule") {
		p := props(r)
		if strings.Contains(flat(p["Targets"]), "Functionsaccesswatch") != (p["State"] == allManagementEvents) || !strings.HasPrefix(flat(p["EventBusName"]), "${Bus") {
			t.Errorf("hub rule %v: state %v on bus %v", p["Description"], p["State"], flat(p["EventBusName"]))
		}
	}
	for _, fn := range []string{"notifier", "revoker", "accesswatch"} {
		if slices.Contains(actionsOf(roles[RoleName(fn, "us-east-1")]), "sts:AssumeRole") {
			t.Errorf("%s may assume roles", fn)
		}
	}
}

func TestSpokeStack(t *testing.T) {
	b := orgBuilt(t)
	tp := templateOf(t, b.Spoke)
	countsAre(t, tp, map[string]int{
		"AWS::Config::ConfigRule": 16, "AWS::IAM::Role": 2, "AWS::Events::Rule": 3, "AWS::KMS::Key": 1,
		"AWS::Lambda::Function": 0, "AWS::DynamoDB::Table": 0,
	})
	for _, r := range tp.resources("AWS::Config::ConfigRule") {
		src := props(r)["Source"].(map[string]any)
		if got := flat(src["SourceIdentifier"]); got != "arn:${AWS::Partition}:lambda:${AWS::Region}:111111111111:function:secretguard-evaluator" {
			t.Errorf("rule source %s", got)
		}
	}
	var forwardsDenied int
	for id, r := range tp.resources("AWS::Events::Rule") {
		if strings.HasPrefix(id, "ForwardAccessDenied") {
			forwardsDenied++
			if props(r)["State"] != allManagementEvents {
				t.Errorf("%s: state %v", id, props(r)["State"])
			}
		} else if props(r)["State"] == allManagementEvents {
			t.Errorf("%s receives every management event", id)
		}
		for _, tg := range props(r)["Targets"].([]any) {
			if got := flat(tg.(map[string]any)["Arn"]); got != "arn:${AWS::Partition}:events:${AWS::Region}:111111111111:event-bus/secretguard-hub" {
				t.Errorf("forward target %s", got)
			}
		}
	}
	if forwardsDenied != 1 {
		t.Errorf("%d rules forward refused reads, want 1", forwardsDenied)
	}
	for _, r := range tp.resources("AWS::IAM::Role") {
		p := props(r)
		if p["RoleName"] != DefaultSpokeRoleName {
			continue
		}
		if r["Condition"] != "IsSpokeRoleRegion" {
			t.Errorf("spoke role condition %v", r["Condition"])
		}
		var trusted []string
		for _, s := range statementsOf(p["AssumeRolePolicyDocument"]) {
			if s.Condition != `{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}` || !slices.Equal(s.Actions, []string{"sts:AssumeRole"}) {
				t.Errorf("trust statement %+v", s)
			}
			trusted = append(trusted, s.Principal)
		}
		var want []string
		for _, fn := range []string{"evaluator", "remediator"} {
			for _, region := range []string{"eu-west-1", "us-east-1"} {
				want = append(want, `{"AWS":"arn:${AWS::Partition}:iam::111111111111:role/`+RoleName(fn, region)+`"}`)
			}
		}
		slices.Sort(trusted)
		if !slices.Equal(trusted, want) {
			t.Errorf("trusted\n got %v\nwant %v", trusted, want)
		}
		var sts []statement
		for _, pol := range p["Policies"].([]any) {
			sts = append(sts, statementsOf(pol.(map[string]any)["PolicyDocument"])...)
		}
		if got, want := actionsOf(sts), spokeActions(b.Config); !slices.Equal(got, want) {
			t.Errorf("spoke role actions\n got %v\nwant %v", got, want)
		}
	}
	if c := tp["Conditions"].(map[string]any)["IsSpokeRoleRegion"]; flat(c) != `{"Fn::Equals":[{"Ref":"AWS::Region"},"eu-west-1"]}` {
		t.Errorf("condition %v", flat(c))
	}
}

// TestSpokeHasNoAssets: the StackSet carries the template inline, so it must
// reference nothing that `cdk deploy` would upload.
func TestSpokeHasNoAssets(t *testing.T) {
	b := orgBuilt(t)
	tp := templateOf(t, b.Spoke)
	if _, ok := tp["Parameters"]; ok {
		t.Errorf("spoke template has parameters (bootstrap version or asset parameters): %v", tp["Parameters"])
	}
	raw, _ := json.Marshal(tp)
	for _, bad := range []string{"cdk-hnb659fds", "AssetParameters", "BootstrapVersion", "S3Bucket", "\"Code\""} {
		if strings.Contains(string(raw), bad) {
			t.Errorf("spoke template mentions %s", bad)
		}
	}
	dir := *awscdk.Stage_Of(b.Spoke).Synth(nil).Directory()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "asset.") || strings.HasSuffix(e.Name(), ".assets.json") {
			t.Errorf("spoke assembly holds %s", filepath.Join(dir, e.Name()))
		}
	}
}

func TestStackSet(t *testing.T) {
	b := orgBuilt(t)
	tp := templateOf(t, b.Org)
	sets := tp.resources("AWS::CloudFormation::StackSet")
	if len(sets) != 1 || len(tp["Resources"].(map[string]any)) != 1 {
		t.Fatalf("want exactly one StackSet, got %v", tp["Resources"])
	}
	for _, r := range sets {
		p := props(r)
		var body any
		if err := json.Unmarshal([]byte(p["TemplateBody"].(string)), &body); err != nil {
			t.Fatal(err)
		}
		if spoke := map[string]any(templateOf(t, b.Spoke)); !reflect.DeepEqual(body, spoke) {
			t.Error("TemplateBody is not the spoke template")
		}
		delete(p, "TemplateBody")
		got, _ := json.Marshal(p)
		want := `{"AutoDeployment":{"Enabled":true,"RetainStacksOnAccountRemoval":false},"CallAs":"SELF",` +
			`"Capabilities":["CAPABILITY_NAMED_IAM"],"Description":"secretguard spoke: Config rules, spoke role, event forwarding, secrets key",` +
			`"ManagedExecution":{"Active":true},"OperationPreferences":{"FailureTolerancePercentage":10,"MaxConcurrentPercentage":25,"RegionConcurrencyType":"PARALLEL"},` +
			`"PermissionModel":"SERVICE_MANAGED","StackInstancesGroup":[{"DeploymentTargets":{"OrganizationalUnitIds":["ou-abcd-12345678"]},"Regions":["eu-west-1","us-east-1"]}],` +
			`"StackSetName":"secretguard-spoke"}`
		if string(got) != want {
			t.Errorf("StackSet\n got %s\nwant %s", got, want)
		}
	}
	if region := *b.Org.Region(); region != "eu-west-1" {
		t.Errorf("StackSet stack in %s", region)
	}
}
