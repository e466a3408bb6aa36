package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretguard/secretguard/shared/baseline"
)

func TestHubStack(t *testing.T) {
	b := orgBuilt(t)
	if len(b.Hub) != 2 || len(b.Single) != 0 {
		t.Fatalf("hub stacks %d, single %d", len(b.Hub), len(b.Single))
	}
	tp := templateOf(t, b.Hub["us-east-1"])
	countsAre(t, tp, map[string]int{
		"AWS::Lambda::Function":   6,
		"AWS::Config::ConfigRule": 0, // the spoke holds them
		"AWS::Events::EventBus":   1,
		"AWS::Events::Rule":       5,
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
	for _, fn := range []string{"evaluator", "remediator", "workloads"} {
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
	forwardsAll(t, tp)
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
		for _, fn := range []string{"evaluator", "remediator", "workloads"} {
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
		want = sorted(evaluatorSpokeActions(), remediatorSpokeActions(), workloadsSpokeActions())
		if got := actionsOf(sts); !slices.Equal(got, want) || !slices.Equal(spokeActions(b.Config), want) {
			t.Errorf("spoke role actions\n got %v\nwant %v", got, want)
		}
		checkEC2Scopes(t, "spoke role", sts, "eu-west-1", "us-east-1")
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

// forwardsAll: the spoke forwards the compliance changes of every
// secretguard rule, secret and workload and account checks alike.
func forwardsAll(t *testing.T, tp tmpl) {
	t.Helper()
	var n int
	for id, r := range tp.resources("AWS::Events::Rule") {
		if !strings.HasPrefix(id, "ForwardComplianceChange") {
			continue
		}
		n++
		detail := props(r)["EventPattern"].(map[string]any)["detail"].(map[string]any)
		var names []string
		for _, id := range baseline.AllCheckIDs() {
			names = append(names, RuleName(id))
		}
		if got := strs(detail["configRuleName"]); !slices.Equal(got, names) {
			t.Errorf("forwarded rules %v", got)
		}
		if got := strs(detail["resourceType"]); !slices.Equal(got, []string{"AWS::SecretsManager::Secret", "AWS::Lambda::Function", "AWS::ECS::TaskDefinition", "AWS::::Account"}) {
			t.Errorf("forwarded resource types %v", got)
		}
	}
	if n != 1 {
		t.Errorf("%d rules forward compliance changes, want 1", n)
	}
}

// TestSpokeWithOneEngine: either engine alone makes the spoke forward every
// compliance change; the spoke role trusts and serves only the wired
// functions (workloads without the remediator: no CloudTrail forwarding,
// no secret remedies; the remediator without workloads: no EC2 writes).
func TestSpokeWithOneEngine(t *testing.T) {
	for _, tc := range []struct {
		engine, other string
		spoke         func() []string
		cloudTrail    bool
	}{
		{"workloads", "remediator", workloadsSpokeActions, false},
		{"remediator", "workloads", remediatorSpokeActions, true},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			ctx := orgContext()
			ctx["regions"] = "eu-west-1"
			ctx["functions"] = "evaluator," + tc.engine
			b, err := build(t, ctx)
			if err != nil {
				t.Fatal(err)
			}
			tp := templateOf(t, b.Spoke)
			forwardsAll(t, tp)
			var cloudTrail bool
			for id := range tp.resources("AWS::Events::Rule") {
				cloudTrail = cloudTrail || strings.HasPrefix(id, "ForwardSecretsManagerCloudTrail")
			}
			if cloudTrail != tc.cloudTrail {
				t.Errorf("forwards CloudTrail: %v", cloudTrail)
			}
			for _, r := range tp.resources("AWS::IAM::Role") {
				p := props(r)
				if p["RoleName"] != DefaultSpokeRoleName {
					continue
				}
				trust, _ := json.Marshal(p["AssumeRolePolicyDocument"])
				if !strings.Contains(string(trust), RoleName(tc.engine, "eu-west-1")) || strings.Contains(string(trust), RoleName(tc.other, "eu-west-1")) {
					t.Errorf("trust %s", trust)
				}
				var sts []statement
				for _, pol := range p["Policies"].([]any) {
					sts = append(sts, statementsOf(pol.(map[string]any)["PolicyDocument"])...)
				}
				if got, want := actionsOf(sts), sorted(evaluatorSpokeActions(), tc.spoke()); !slices.Equal(got, want) {
					t.Errorf("spoke role actions\n got %v\nwant %v", got, want)
				}
				if w := ec2Writes(actionsOf(sts)); (len(w) > 0) != (tc.engine == "workloads") {
					t.Errorf("spoke role EC2 writes %v", w)
				}
			}
		})
	}
}

// spokeRoleStatements are the statements of the spoke role's policy.
func spokeRoleStatements(t *testing.T, tp tmpl) []statement {
	t.Helper()
	for _, r := range tp.resources("AWS::IAM::Role") {
		if p := props(r); p["RoleName"] == DefaultSpokeRoleName {
			var sts []statement
			for _, pol := range p["Policies"].([]any) {
				sts = append(sts, statementsOf(pol.(map[string]any)["PolicyDocument"])...)
			}
			return sts
		}
	}
	t.Fatal("no spoke role")
	return nil
}

// allows reports whether a statement of sts allows action on resource,
// IAM's wildcards in its resources (conditions are not evaluated).
func allows(sts []statement, action, resource string) bool {
	for _, st := range sts {
		if !slices.Contains(st.Actions, action) {
			continue
		}
		for _, r := range st.Resources {
			re := "^" + strings.ReplaceAll(regexp.QuoteMeta(r), `\*`, ".*") + "$"
			if regexp.MustCompile(re).MatchString(resource) {
				return true
			}
		}
	}
	return false
}

// arnParts splits a flattened ARN into its service, Region and account.
func arnParts(a string) (service, region, account string, ok bool) {
	a = strings.NewReplacer("${AWS::Partition}", "P", "${AWS::Region}", "R", "${AWS::AccountId}", "A").Replace(a)
	f := strings.SplitN(a, ":", 6)
	if len(f) < 6 || f[0] != "arn" {
		return "", "", "", false
	}
	return f[2], f[3], f[4], true
}

// TestSpokeRoleServesEveryRegion: the spoke role exists once per member
// account (the stack instance in spokeRoleRegion creates it) but is
// assumed by the hub's functions of every Region of the deployment, each
// working in its own Region of the member account: its statements name
// the resources of every Region, never the creating instance's
// ${AWS::Region}, and of no other Region. The functions' roles, one per
// Region and stack, still name their stack's own Region.
func TestSpokeRoleServesEveryRegion(t *testing.T) {
	b := orgBuilt(t)
	deployed := []string{"eu-west-1", "us-east-1"}
	if !slices.Equal(b.Config.Regions, deployed) || b.Config.SpokeRoleRegion != "eu-west-1" {
		t.Fatalf("regions %v, spoke role in %s", b.Config.Regions, b.Config.SpokeRoleRegion)
	}
	tp := templateOf(t, b.Spoke)
	sts := spokeRoleStatements(t, tp)
	raw, _ := json.Marshal(sts)
	if strings.Contains(string(raw), "AWS::Region") {
		t.Errorf("spoke role names the creating instance's Region: %s", raw)
	}
	// What the hub's functions do in a member account, in each Region.
	calls := map[string]string{
		"secretsmanager:RotateSecret":       "secretsmanager:%s:${AWS::AccountId}:secret:app/db-AbCdEf",
		"secretsmanager:UpdateSecret":       "secretsmanager:%s:${AWS::AccountId}:secret:app/db-AbCdEf",
		"lambda:InvokeFunction":             "lambda:%s:${AWS::AccountId}:function:rotate-db",
		"lambda:GetFunction":                "lambda:%s:${AWS::AccountId}:function:app",
		"kms:DescribeKey":                   "kms:%s:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"kms:Decrypt":                       "kms:%s:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"ecs:DescribeServices":              "ecs:%s:${AWS::AccountId}:service/cluster/app",
		"ssm:GetParameters":                 "ssm:%s:${AWS::AccountId}:parameter/app/config",
		"ec2:DescribeVpcAttribute":          "ec2:%s:${AWS::AccountId}:vpc/vpc-0123456789abcdef0",
		"ec2:CreateSecurityGroup":           "ec2:%s:${AWS::AccountId}:security-group/sg-0123456789abcdef0",
		"ec2:AuthorizeSecurityGroupIngress": "ec2:%s:${AWS::AccountId}:security-group/sg-0123456789abcdef0",
		"ec2:CreateVpcEndpoint":             "ec2:%s:${AWS::AccountId}:vpc-endpoint/vpce-0123456789abcdef0",
		"ec2:ModifyVpcEndpoint":             "ec2:%s:${AWS::AccountId}:vpc-endpoint/vpce-0123456789abcdef0",
		"ec2:CreateTags":                    "ec2:%s:${AWS::AccountId}:vpc-endpoint/vpce-0123456789abcdef0",
	}
	for action, res := range calls {
		for _, region := range deployed {
			if a := "arn:${AWS::Partition}:" + fmt.Sprintf(res, region); !allows(sts, action, a) {
				t.Errorf("spoke role: %s not allowed on %s", action, a)
			}
		}
		// Named Regions, not any: KMS keys excepted (replicas go
		// wherever the baseline says).
		if a := "arn:${AWS::Partition}:" + fmt.Sprintf(res, "ap-south-1"); allows(sts, action, a) != strings.HasPrefix(action, "kms:") {
			t.Errorf("spoke role: %s on %s: %v", action, a, !strings.HasPrefix(action, "kms:"))
		}
	}
	for _, st := range sts {
		for _, r := range st.Resources {
			if _, region, account, ok := arnParts(r); ok && account == "A" && region != "*" && !slices.Contains(deployed, region) {
				t.Errorf("spoke role: %s names Region %q", r, region)
			}
		}
	}
	checkEC2Scopes(t, "spoke role", sts, deployed...)
	if anyRegionNoted(b.Org) {
		t.Error("an annotation says the spoke role names any Region")
	}

	// The functions' roles: their own account's resources in their
	// stack's Region (KMS keys and trails in any; IAM is global).
	stacks := map[string]awscdk.Stack{"single eu-west-1": singleBuilt(t).Single["eu-west-1"]}
	for r, s := range b.Hub {
		stacks["hub "+r] = s
	}
	for name, s := range stacks {
		roles := templateOf(t, s).roleStatements()
		for role, sts := range roles {
			for _, st := range sts {
				for _, r := range st.Resources {
					service, region, account, ok := arnParts(r)
					if ok && account == "A" && region != "R" && !(region == "*" && slices.Contains([]string{"kms", "cloudtrail"}, service)) && !(region == "" && service == "iam") {
						t.Errorf("%s %s: %s", name, role, r)
					}
				}
			}
		}
		for _, r := range deployed {
			if sts, ok := roles[RoleName("workloads", r)]; ok {
				checkEC2Scopes(t, name+" workloads", sts)
			}
		}
	}
}

// TestSpokeRoleAnyRegion: when naming every Region would make the spoke
// role's policy exceed IAM's quota on inline policies, or the spoke
// template exceed a StackSet's inline TemplateBody, the spoke role names
// its resources in any Region ("*"), and its conditions accordingly.
func TestSpokeRoleAnyRegion(t *testing.T) {
	many := []string{"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "us-east-1",
		"us-east-2", "us-west-1", "us-west-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1"}
	ps, err := policy([]grant{{actions: spokeActions(&Config{Functions: catalogNames()})}}, regions(many))
	if err != nil {
		t.Fatal(err)
	}
	if n := policyChars(ps); n <= maxRolePolicyChars {
		t.Fatalf("%d Regions: %d characters, within IAM's quota: name more Regions", len(many), n)
	}
	body, err := templateBody(orgBuilt(t).Spoke)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		regions []string
		limit   int
	}{
		{"policy quota", many, maxTemplateBody},
		// Two Regions named fit the quota but, here, not the template.
		{"template limit", []string{"eu-west-1", "us-east-1"}, len(body) - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(limit int) { maxTemplateBody = limit }(maxTemplateBody)
			maxTemplateBody = tc.limit
			ctx := orgContext()
			var rs []any
			for _, r := range tc.regions {
				rs = append(rs, r)
			}
			ctx["regions"] = rs
			b, err := build(t, ctx)
			if err != nil {
				t.Fatal(err)
			}
			body, err := templateBody(b.Spoke)
			if err != nil || len(body) > tc.limit {
				t.Fatalf("spoke template: %d bytes, %v", len(body), err)
			}
			t.Logf("spoke template: %d bytes for %d Regions", len(body), len(tc.regions))
			sts := spokeRoleStatements(t, templateOf(t, b.Spoke))
			for _, st := range sts {
				for _, r := range st.Resources {
					if _, region, account, ok := arnParts(r); ok && account == "A" && region != "*" {
						t.Errorf("spoke role: %s", r)
					}
				}
			}
			for _, region := range tc.regions {
				if a := "arn:${AWS::Partition}:secretsmanager:" + region + ":${AWS::AccountId}:secret:app/db-AbCdEf"; !allows(sts, "secretsmanager:RotateSecret", a) {
					t.Errorf("spoke role: RotateSecret not allowed on %s", a)
				}
			}
			checkEC2Scopes(t, "spoke role", sts, "*")
			errs := assertions.Annotations_FromStack(b.Spoke).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
			if len(*errs) > 0 {
				t.Errorf("cdk-nag: %d errors", len(*errs))
			}
			sets := templateOf(t, b.Org).resources("AWS::CloudFormation::StackSet")
			for _, r := range sets {
				if props(r)["TemplateBody"] != body {
					t.Error("TemplateBody is not the spoke template")
				}
			}
			if len(sets) != 1 {
				t.Errorf("%d StackSets", len(sets))
			}
			if !anyRegionNoted(b.Org) {
				t.Error("no annotation says the spoke role names any Region")
			}
		})
	}
}

// anyRegionNoted: the StackSet stack's synthesis tells that the spoke role
// names its resources in any Region.
func anyRegionNoted(org awscdk.Stack) bool {
	infos := assertions.Annotations_FromStack(org).FindInfo(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("names its resources in any Region")))
	return len(*infos) > 0
}
