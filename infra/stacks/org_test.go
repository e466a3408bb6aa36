package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
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
	// Each hub function that acts in member accounts may assume its own
	// spoke role only, and is told its name (SPOKE_ROLE_NAME); the others
	// assume nothing. In every Region.
	for region, s := range b.Hub {
		htp := templateOf(t, s)
		roles := htp.roleStatements()
		for _, fn := range catalogNames() {
			var assume []statement
			for _, st := range roles[RoleName(fn, region)] {
				if slices.Contains(st.Actions, "sts:AssumeRole") {
					assume = append(assume, st)
				}
			}
			if !slices.Contains(spokeFns, fn) {
				if len(assume) > 0 {
					t.Errorf("%s %s may assume roles: %+v", region, fn, assume)
				}
				continue
			}
			own := "arn:${AWS::Partition}:iam::*:role/" + SpokeRole(DefaultSpokeRoleName, fn)
			if len(assume) != 1 || !slices.Equal(assume[0].Resources, []string{own}) || !slices.Equal(assume[0].Actions, []string{"sts:AssumeRole"}) ||
				assume[0].Condition != `{"StringEquals":{"aws:ResourceOrgID":"o-abcdefghij"}}` {
				t.Errorf("%s %s assume: %+v, want only %s", region, fn, assume, own)
			}
		}
		for role, sts := range roles {
			for _, st := range sts {
				if slices.Contains(st.Actions, "sts:AssumeRole") && !slices.ContainsFunc(spokeFns, func(fn string) bool {
					return role == RoleName(fn, region) && slices.Equal(st.Resources, []string{"arn:${AWS::Partition}:iam::*:role/" + SpokeRole(DefaultSpokeRoleName, fn)})
				}) {
					t.Errorf("%s %s: sts:AssumeRole on %v", region, role, st.Resources)
				}
			}
		}
		for _, r := range htp.resources("AWS::Lambda::Function") {
			p := props(r)
			fn := strings.TrimPrefix(p["FunctionName"].(string), "secretguard-")
			env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			if want := SpokeRole(DefaultSpokeRoleName, fn); slices.Contains(spokeFns, fn) && env["SPOKE_ROLE_NAME"] != want {
				t.Errorf("%s %s: SPOKE_ROLE_NAME=%v, want %s", region, fn, env["SPOKE_ROLE_NAME"], want)
			}
		}
	}
	for _, r := range tp.resources("AWS::Events::Rule") {
		p := props(r)
		if strings.Contains(flat(p["Targets"]), "Functionsaccesswatch") != (p["State"] == allManagementEvents) || !strings.HasPrefix(flat(p["EventBusName"]), "${Bus") {
			t.Errorf("hub rule %v: state %v on bus %v", p["Description"], p["State"], flat(p["EventBusName"]))
		}
	}
}

func TestSpokeStack(t *testing.T) {
	b := orgBuilt(t)
	tp := templateOf(t, b.Spoke)
	countsAre(t, tp, map[string]int{
		// Three spoke roles (evaluator, remediator, workloads) and the
		// forwarding role.
		"AWS::Config::ConfigRule": 16, "AWS::IAM::Role": 4, "AWS::Events::Rule": 3, "AWS::KMS::Key": 1,
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
	// One spoke role per function that acts in member accounts, each
	// trusted by that function's roles only (one per Region) and allowed
	// that function's actions only.
	roles := spokeRoles(t, tp)
	if len(roles) != len(spokeFns) {
		t.Errorf("%d spoke roles, want %d (%v)", len(roles), len(spokeFns), spokeFns)
	}
	declared := map[string][]string{
		"evaluator": evaluatorSpokeActions(), "remediator": remediatorSpokeActions(), "workloads": workloadsSpokeActions(),
	}
	for _, fn := range spokeFns {
		r, ok := roles[fn]
		if !ok {
			t.Errorf("no spoke role for %s", fn)
			continue
		}
		if r.resource["Condition"] != "IsSpokeRoleRegion" {
			t.Errorf("%s spoke role condition %v", fn, r.resource["Condition"])
		}
		// One statement naming every Region's role: IAM counts a trust
		// policy's characters against a 2,048 quota.
		if len(r.trust) != 1 || r.trust[0].Effect != "Allow" || !slices.Equal(r.trust[0].Actions, []string{"sts:AssumeRole"}) ||
			r.trust[0].Condition != `{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}` {
			t.Errorf("%s trust statements %+v", fn, r.trust)
		}
		if want := hubPrincipals(fn, "eu-west-1", "us-east-1"); !slices.Equal(r.trusted, want) {
			t.Errorf("%s spoke role trusts\n got %v\nwant %v", fn, r.trusted, want)
		}
		if got := actionsOf(r.sts); !slices.Equal(got, sorted(declared[fn])) || !slices.Equal(spokeActions(fn), sorted(declared[fn])) {
			t.Errorf("%s spoke role actions\n got %v\nwant %v", fn, got, sorted(declared[fn]))
		}
	}
	checkEC2Scopes(t, "workloads spoke role", roles["workloads"].sts, "eu-west-1", "us-east-1")
	if c := tp["Conditions"].(map[string]any)["IsSpokeRoleRegion"]; flat(c) != `{"Fn::Equals":[{"Ref":"AWS::Region"},"eu-west-1"]}` {
		t.Errorf("condition %v", flat(c))
	}
}

// writeAction matches what a read-only role must not hold: changing a
// secret or its policy, using a key to encrypt or grant, changing a
// network, running code.
var writeAction = regexp.MustCompile(`^(secretsmanager:(Rotate|Put|Delete|Update|Tag|Untag|Replicate|Remove|Stop|Cancel|Restore)|kms:(Encrypt|ReEncrypt|CreateGrant)|ec2:(Create|Modify|Authorize)|lambda:InvokeFunction$)`)

func matching(actions []string, re *regexp.Regexp) []string {
	var out []string
	for _, a := range actions {
		if re.MatchString(a) {
			out = append(out, a)
		}
	}
	return out
}

// TestSpokeRolesSeparateDuties: what a function may do in a member account
// is what it declares, not what another function does there. The evaluator
// (invoked by AWS Config from member accounts) reads only; the remediator
// changes secrets but no network; workloads creates VPC endpoints but
// changes no secret.
func TestSpokeRolesSeparateDuties(t *testing.T) {
	roles := spokeRoles(t, templateOf(t, orgBuilt(t).Spoke))
	evaluator, remediator, workloads := actionsOf(roles["evaluator"].sts), actionsOf(roles["remediator"].sts), actionsOf(roles["workloads"].sts)

	// (a) Exactly the reads the evaluator declares (configrule.
	// EvaluatorPermissions + ResourcePermissions, account scope), and
	// config:PutEvaluations for its results: a new member-account action
	// of the evaluator shows up here.
	wantEvaluator := []string{
		"cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors", "cloudtrail:GetTrailStatus",
		"cloudwatch:GetMetricData", "config:PutEvaluations",
		"ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints",
		"ecs:DescribeServices", "ecs:DescribeTaskDefinition", "ecs:ListClusters", "ecs:ListServices", "ecs:ListTaskDefinitions",
		"lambda:GetFunction", "lambda:ListFunctions", "lambda:ListTags",
		"secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecrets",
		"ssm:DescribeParameters", "ssm:GetParameters",
	}
	if !slices.Equal(evaluator, wantEvaluator) || !slices.Equal(evaluatorSpokeActions(), wantEvaluator) {
		t.Errorf("evaluator spoke role\n got %v\nwant %v", evaluator, wantEvaluator)
	}
	if w := matching(evaluator, writeAction); len(w) > 0 {
		t.Errorf("evaluator spoke role may write: %v", w)
	}
	// The pattern does catch the engines' writes.
	if w := matching(remediator, writeAction); !slices.Contains(w, "secretsmanager:RotateSecret") || !slices.Contains(w, "lambda:InvokeFunction") {
		t.Errorf("remediator writes %v", w)
	}
	if w := matching(workloads, writeAction); !slices.Contains(w, "ec2:CreateVpcEndpoint") {
		t.Errorf("workloads writes %v", w)
	}

	// (b) The remediator changes no network: no EC2 write, nor the
	// private DNS association that comes with an endpoint.
	if w := ec2Writes(remediator); len(w) > 0 || slices.Contains(remediator, vpcEndpointZoneAction) {
		t.Errorf("remediator spoke role changes networks: %v", remediator)
	}

	// (c) Workloads changes no secret, key use or rotation function.
	for _, a := range workloads {
		if strings.HasPrefix(a, "secretsmanager:") && writeAction.MatchString(a) || strings.HasPrefix(a, "kms:") || a == "lambda:InvokeFunction" {
			t.Errorf("workloads spoke role may %s", a)
		}
	}
}

// TestSpokeTemplateSize: with one spoke role per function the template is
// larger; with 1, 2 and 4 Regions it stays within a StackSet's inline
// TemplateBody with every role naming its Regions (measured: 33,881,
// 37,752 and 45,730 bytes; from 5 or 6 Regions on, depending on the
// length of their names, workloads' role falls back to "*": see
// TestSpokeRoleAnyRegion).
func TestSpokeTemplateSize(t *testing.T) {
	for _, n := range []int{1, 2, 4} {
		rs := []any{"eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2"}[:n]
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := orgBuilt(t)
			if n != 2 {
				ctx := orgContext()
				ctx["regions"] = rs
				var err error
				if b, err = build(t, ctx); err != nil {
					t.Fatal(err)
				}
			}
			body, err := templateBody(b.Spoke)
			if err != nil || len(body) >= maxTemplateBody {
				t.Fatalf("spoke template: %d bytes, %v", len(body), err)
			}
			t.Logf("spoke template: %d bytes for %d Region(s)", len(body), n)
			if len(b.spoke.fallback) > 0 {
				t.Errorf("spoke roles on any Region: %v", b.spoke.fallback)
			}
			for _, fn := range spokeFns {
				if got := b.spoke.regions[fn]; !slices.Equal(got, b.Config.Regions) {
					t.Errorf("%s spoke role names %v", fn, got)
				}
			}
		})
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
			`"Capabilities":["CAPABILITY_NAMED_IAM"],"Description":"secretguard spoke: Config rules, spoke roles, event forwarding, secrets key",` +
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
// compliance change; the spoke has a role for each wired function only
// (workloads without the remediator: no CloudTrail forwarding, no secret
// remedies; the remediator without workloads: no EC2 writes).
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
			roles := spokeRoles(t, tp)
			if _, ok := roles[tc.other]; ok || len(roles) != 2 {
				t.Errorf("spoke roles %v, want evaluator and %s", slices.Sorted(maps.Keys(roles)), tc.engine)
			}
			for fn, actions := range map[string][]string{"evaluator": evaluatorSpokeActions(), tc.engine: tc.spoke()} {
				r := roles[fn]
				if want := hubPrincipals(fn, "eu-west-1"); !slices.Equal(r.trusted, want) {
					t.Errorf("%s trusts %v, want %v", fn, r.trusted, want)
				}
				if got := actionsOf(r.sts); !slices.Equal(got, sorted(actions)) {
					t.Errorf("%s spoke role actions\n got %v\nwant %v", fn, got, sorted(actions))
				}
				if w := ec2Writes(actionsOf(r.sts)); (len(w) > 0) != (fn == "workloads") {
					t.Errorf("%s spoke role EC2 writes %v", fn, w)
				}
			}
		})
	}
}

// spokeFns are the functions that act in member accounts, each through its
// own spoke role.
var spokeFns = []string{"evaluator", "remediator", "workloads"}

// spokeRoleOf is a spoke role of a template: its resource, its trust
// statements and the principals they name ("AWS <arn>", sorted), its
// policy's statements.
type spokeRoleOf struct {
	resource map[string]any
	trust    []statement
	trusted  []string
	sts      []statement
}

// spokeRoles are the spoke roles of tp by function; a role named with the
// spoke prefix that is no function's spoke role is an error.
func spokeRoles(t *testing.T, tp tmpl) map[string]spokeRoleOf {
	t.Helper()
	out := map[string]spokeRoleOf{}
	for id, r := range tp.resources("AWS::IAM::Role") {
		p := props(r)
		name, _ := p["RoleName"].(string)
		if !strings.HasPrefix(name, DefaultSpokeRoleName) {
			continue
		}
		fn := strings.TrimPrefix(name, DefaultSpokeRoleName+"-")
		if specFor(fn) == nil || specFor(fn).spoke == nil || name != SpokeRole(DefaultSpokeRoleName, fn) {
			t.Errorf("role %s (%s) is no function's spoke role", name, id)
			continue
		}
		sr := spokeRoleOf{resource: r, trust: statementsOf(p["AssumeRolePolicyDocument"])}
		for _, s := range p["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any) {
			for typ, v := range s.(map[string]any)["Principal"].(map[string]any) {
				for _, a := range strs(v) {
					sr.trusted = append(sr.trusted, typ+" "+a)
				}
			}
		}
		slices.Sort(sr.trusted)
		for _, pol := range p["Policies"].([]any) {
			sr.sts = append(sr.sts, statementsOf(pol.(map[string]any)["PolicyDocument"])...)
		}
		out[fn] = sr
	}
	return out
}

// spokeRoleStatements are the statements of fn's spoke role's policy.
func spokeRoleStatements(t *testing.T, tp tmpl, fn string) []statement {
	t.Helper()
	r, ok := spokeRoles(t, tp)[fn]
	if !ok {
		t.Fatalf("no spoke role for %s", fn)
	}
	return r.sts
}

// hubPrincipals are the trust principals of fn's spoke role: fn's hub
// role in each Region, sorted.
func hubPrincipals(fn string, regions ...string) []string {
	var out []string
	for _, r := range regions {
		out = append(out, "AWS arn:${AWS::Partition}:iam::111111111111:role/"+RoleName(fn, r))
	}
	slices.Sort(out)
	return out
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

// TestSpokeRoleServesEveryRegion: each spoke role exists once per member
// account (the stack instance in spokeRoleRegion creates it) but is
// assumed by its function's hub roles of every Region of the deployment,
// each working in its own Region of the member account: its statements
// name the resources of every Region, never the creating instance's
// ${AWS::Region}, and of no other Region. The functions' roles, one per
// Region and stack, still name their stack's own Region.
func TestSpokeRoleServesEveryRegion(t *testing.T) {
	b := orgBuilt(t)
	deployed := []string{"eu-west-1", "us-east-1"}
	if !slices.Equal(b.Config.Regions, deployed) || b.Config.SpokeRoleRegion != "eu-west-1" {
		t.Fatalf("regions %v, spoke role in %s", b.Config.Regions, b.Config.SpokeRoleRegion)
	}
	tp := templateOf(t, b.Spoke)
	// What each hub function does in a member account, in each Region.
	reads := map[string]string{
		"lambda:GetFunction":   "lambda:%s:${AWS::AccountId}:function:app",
		"ecs:DescribeServices": "ecs:%s:${AWS::AccountId}:service/cluster/app",
		"ssm:GetParameters":    "ssm:%s:${AWS::AccountId}:parameter/app/config",
	}
	with := func(a, b map[string]string) map[string]string {
		out := maps.Clone(a)
		maps.Copy(out, b)
		return out
	}
	calls := map[string]map[string]string{
		"evaluator": with(reads, map[string]string{
			"secretsmanager:DescribeSecret": "secretsmanager:%s:${AWS::AccountId}:secret:app/db-AbCdEf",
		}),
		"remediator": {
			"secretsmanager:RotateSecret": "secretsmanager:%s:${AWS::AccountId}:secret:app/db-AbCdEf",
			"secretsmanager:UpdateSecret": "secretsmanager:%s:${AWS::AccountId}:secret:app/db-AbCdEf",
			"lambda:InvokeFunction":       "lambda:%s:${AWS::AccountId}:function:rotate-db",
			"kms:DescribeKey":             "kms:%s:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			"kms:Decrypt":                 "kms:%s:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		},
		"workloads": with(reads, map[string]string{
			"ec2:DescribeVpcAttribute":          "ec2:%s:${AWS::AccountId}:vpc/vpc-0123456789abcdef0",
			"ec2:CreateSecurityGroup":           "ec2:%s:${AWS::AccountId}:security-group/sg-0123456789abcdef0",
			"ec2:AuthorizeSecurityGroupIngress": "ec2:%s:${AWS::AccountId}:security-group/sg-0123456789abcdef0",
			"ec2:CreateVpcEndpoint":             "ec2:%s:${AWS::AccountId}:vpc-endpoint/vpce-0123456789abcdef0",
			"ec2:ModifyVpcEndpoint":             "ec2:%s:${AWS::AccountId}:vpc-endpoint/vpce-0123456789abcdef0",
			"ec2:CreateTags":                    "ec2:%s:${AWS::AccountId}:vpc-endpoint/vpce-0123456789abcdef0",
		}),
	}
	for fn, calls := range calls {
		sts := spokeRoleStatements(t, tp, fn)
		raw, _ := json.Marshal(sts)
		if strings.Contains(string(raw), "AWS::Region") {
			t.Errorf("%s spoke role names the creating instance's Region: %s", fn, raw)
		}
		for action, res := range calls {
			for _, region := range deployed {
				if a := "arn:${AWS::Partition}:" + fmt.Sprintf(res, region); !allows(sts, action, a) {
					t.Errorf("%s spoke role: %s not allowed on %s", fn, action, a)
				}
			}
			// Named Regions, not any: KMS keys excepted (replicas go
			// wherever the baseline says).
			if a := "arn:${AWS::Partition}:" + fmt.Sprintf(res, "ap-south-1"); allows(sts, action, a) != strings.HasPrefix(action, "kms:") {
				t.Errorf("%s spoke role: %s on %s: %v", fn, action, a, !strings.HasPrefix(action, "kms:"))
			}
		}
		for _, st := range sts {
			for _, r := range st.Resources {
				if _, region, account, ok := arnParts(r); ok && account == "A" && region != "*" && !slices.Contains(deployed, region) {
					t.Errorf("%s spoke role: %s names Region %q", fn, r, region)
				}
			}
		}
	}
	checkEC2Scopes(t, "workloads spoke role", spokeRoleStatements(t, tp, "workloads"), deployed...)
	if anyRegionNoted(b.Org, "") {
		t.Error("an annotation says a spoke role names any Region")
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

// TestSpokeRoleAnyRegion: a spoke role names its resources in any Region
// ("*"), and its conditions accordingly, when naming every Region would
// make its own policy exceed IAM's quota on a role's inline policies; and
// while the spoke template would exceed a StackSet's inline TemplateBody,
// one more role does, the one "*" shortens most. The others keep naming
// their Regions.
func TestSpokeRoleAnyRegion(t *testing.T) {
	many := []string{"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "us-east-1",
		"us-east-2", "us-west-1", "us-west-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1"}
	for fn, over := range map[string]bool{"evaluator": false, "remediator": false, "workloads": true} {
		ps, err := policy([]grant{{actions: spokeActions(fn)}}, regions(many))
		if err != nil {
			t.Fatal(err)
		}
		if n := policyChars(ps); (n > maxRolePolicyChars) != over {
			t.Fatalf("%s, %d Regions: %d characters (IAM's quota %d): pick other Regions", fn, len(many), n, maxRolePolicyChars)
		}
	}
	body, err := templateBody(orgBuilt(t).Spoke)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		regions []string
		limit   int
		any     map[string]string // function: the reason its role names any Region
	}{
		// Only workloads' policy exceeds the quota; the template would
		// still exceed the limit, so the evaluator's role follows (it
		// saves more than the remediator's).
		{"policy quota and template limit", many, maxTemplateBody,
			map[string]string{"workloads": fallbackPolicy, "evaluator": fallbackTemplate}},
		// Two Regions named fit the quota but, here, not the template:
		// workloads' role, the largest, goes first, and is enough.
		{"template limit", []string{"eu-west-1", "us-east-1"}, len(body) - 1, map[string]string{"workloads": fallbackTemplate}},
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
			t.Logf("spoke template: %d bytes for %d Regions, %v on any Region", len(body), len(tc.regions), slices.Sorted(maps.Keys(tc.any)))
			if !maps.Equal(b.spoke.fallback, tc.any) {
				t.Errorf("fallbacks %v, want %v", b.spoke.fallback, tc.any)
			}
			tp := templateOf(t, b.Spoke)
			for _, fn := range spokeFns {
				_, anyRegion := tc.any[fn]
				sts := spokeRoleStatements(t, tp, fn)
				for _, st := range sts {
					for _, r := range st.Resources {
						// KMS keys are in any Region anyway.
						service, region, account, ok := arnParts(r)
						if ok && account == "A" && (anyRegion && region != "*" || !anyRegion && !slices.Contains(tc.regions, region) && service != "kms") {
							t.Errorf("%s spoke role (any Region: %v): %s", fn, anyRegion, r)
						}
					}
				}
				// A call of each function, in every Region.
				action, res := "lambda:GetFunction", "lambda:%s:${AWS::AccountId}:function:app"
				if fn == "remediator" {
					action, res = "secretsmanager:RotateSecret", "secretsmanager:%s:${AWS::AccountId}:secret:app/db-AbCdEf"
				}
				for _, region := range tc.regions {
					if a := "arn:${AWS::Partition}:" + fmt.Sprintf(res, region); !allows(sts, action, a) {
						t.Errorf("%s spoke role: %s not allowed on %s", fn, action, a)
					}
				}
				if fn == "workloads" {
					want := tc.regions
					if anyRegion {
						want = []string{"*"}
					}
					checkEC2Scopes(t, "workloads spoke role", sts, want...)
				}
				if noted := anyRegionNoted(b.Org, SpokeRole(DefaultSpokeRoleName, fn)); noted != anyRegion {
					t.Errorf("annotation that %s's spoke role names any Region: %v", fn, noted)
				}
			}
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
		})
	}
}

// anyRegionNoted: the StackSet stack's synthesis tells that the spoke role
// named role ("": any) names its resources in any Region.
func anyRegionNoted(org awscdk.Stack, role string) bool {
	re := "names its resources in any Region"
	if role != "" {
		re = "the spoke role " + regexp.QuoteMeta(role) + " " + re
	}
	infos := assertions.Annotations_FromStack(org).FindInfo(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String(re)))
	return len(*infos) > 0
}
