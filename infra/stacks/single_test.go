package stacks

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/accessdenied"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/configrule"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/revoke"
	"github.com/secretguard/secretguard/shared/secret"
	"github.com/secretguard/secretguard/shared/vpcendpoint"
)

var logsActions = []string{"logs:CreateLogStream", "logs:PutLogEvents"}

func TestSingleResourceCounts(t *testing.T) {
	countsAre(t, templateOf(t, singleBuilt(t).Single["eu-west-1"]), map[string]int{
		"AWS::Lambda::Function":           6,
		"AWS::IAM::Role":                  6,
		"AWS::IAM::Policy":                0, // every grant is in the roles' inline policies
		"AWS::Config::ConfigRule":         len(baseline.CheckIDs) + len(baseline.ResourceCheckIDs),
		"AWS::Lambda::Permission":         2, // config -> evaluator, events -> accesswatch
		"AWS::Events::Rule":               5, // compliance change, CloudTrail -> remediator; compliance change -> workloads; outcomes -> notifier; access denied -> accesswatch
		"AWS::SQS::Queue":                 8, // evaluator and accesswatch DLQ; remediator, workloads and notifier queue + DLQ
		"AWS::Lambda::EventSourceMapping": 3,
		"AWS::CloudWatch::Alarm":          11, // errors x6, DLQ depth x5
		"AWS::Logs::LogGroup":             6,
		"AWS::DynamoDB::Table":            1,
		"AWS::KMS::Key":                   2, // secrets key, ops key (topic)
		"AWS::SNS::Topic":                 1,
		"AWS::SSM::Parameter":             1,
		"AWS::Events::EventBus":           0,
	})
}

func TestSingleFunctions(t *testing.T) {
	tp := templateOf(t, singleBuilt(t).Single["eu-west-1"])
	seen := map[string]bool{}
	for _, r := range tp.resources("AWS::Lambda::Function") {
		p := props(r)
		name := p["FunctionName"].(string)
		seen[name] = true
		if got := strs(p["Architectures"]); !slices.Equal(got, []string{"arm64"}) {
			t.Errorf("%s: architectures %v", name, got)
		}
		if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v handler %v", name, p["Runtime"], p["Handler"])
		}
		env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		if name != FunctionName("revoker") && name != FunctionName("accesswatch") && env["BASELINE"] != "ssm:"+DefaultBaselineParameter {
			t.Errorf("%s: BASELINE=%v", name, env["BASELINE"])
		}
		if name == FunctionName("remediator") || name == FunctionName("workloads") {
			want := map[string]any{"BASELINE": "ssm:" + DefaultBaselineParameter, "TABLE_NAME": env["TABLE_NAME"],
				"EVENT_BUS_NAME": "default", "SPOKE_ROLE_NAME": SpokeRole(DefaultSpokeRoleName, strings.TrimPrefix(name, "secretguard-")), "DRY_RUN": "true"}
			if env["TABLE_NAME"] == nil || !reflect.DeepEqual(env, want) {
				t.Errorf("%s env %v", name, env)
			}
			if p["Timeout"] != float64(300) || p["MemorySize"] != float64(512) {
				t.Errorf("%s: timeout %v memory %v", name, p["Timeout"], p["MemorySize"])
			}
		}
		if name == FunctionName("accesswatch") && (env["EVENT_BUS_NAME"] != "default" || env["TABLE_NAME"] == nil) {
			t.Errorf("accesswatch env %v", env)
		}
	}
	for _, n := range catalogNames() {
		if !seen[FunctionName(n)] {
			t.Errorf("function %s missing", n)
		}
	}
}

func TestConfigRules(t *testing.T) {
	tp := templateOf(t, singleBuilt(t).Single["eu-west-1"])
	byName := map[string]map[string]any{}
	for _, r := range tp.resources("AWS::Config::ConfigRule") {
		byName[props(r)["ConfigRuleName"].(string)] = props(r)
	}
	types := map[string]string{}
	for _, c := range checks.All() {
		types[c.ID()] = "AWS::SecretsManager::Secret"
	}
	for _, c := range checks.AllResource() {
		types[c.ID()] = c.ResourceType()
	}
	for _, check := range baseline.AllCheckIDs() {
		p := byName["secretguard-"+check]
		if p == nil {
			t.Errorf("no rule for %s", check)
			continue
		}
		if got := p["InputParameters"].(map[string]any)["check"]; got != check {
			t.Errorf("%s: InputParameters.check=%v", check, got)
		}
		account := types[check] == "AWS::::Account"
		if scope, ok := p["Scope"].(map[string]any); account && ok {
			t.Errorf("%s: an account rule has a scope %v", check, scope)
		} else if !account && (!ok || !slices.Equal(strs(scope["ComplianceResourceTypes"]), []string{types[check]})) {
			t.Errorf("%s: scope %v, want %s", check, p["Scope"], types[check])
		}
		src := p["Source"].(map[string]any)
		if src["Owner"] != "CUSTOM_LAMBDA" || !strings.Contains(flat(src["SourceIdentifier"]), "Functionsevaluator") {
			t.Errorf("%s: source %v", check, src)
		}
		var types []string
		for _, d := range src["SourceDetails"].([]any) {
			d := d.(map[string]any)
			types = append(types, d["MessageType"].(string))
			if d["MessageType"] == "ScheduledNotification" && d["MaximumExecutionFrequency"] != DefaultFrequency {
				t.Errorf("%s: frequency %v", check, d["MaximumExecutionFrequency"])
			}
		}
		want := []string{"ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification", "ScheduledNotification"}
		if account {
			want = want[2:] // periodic only
		}
		if !slices.Equal(types, want) {
			t.Errorf("%s: message types %v", check, types)
		}
	}
	for _, r := range tp.resources("AWS::Lambda::Permission") {
		p := props(r)
		if !strings.Contains(flat(p["FunctionName"]), "Functionsevaluator") {
			continue
		}
		if p["Principal"] != "config.amazonaws.com" || flat(p["SourceAccount"]) != "${AWS::AccountId}" {
			t.Errorf("config permission: %v", p)
		}
	}
}

func TestLedgerAndParameter(t *testing.T) {
	tp := templateOf(t, singleBuilt(t).Single["eu-west-1"])
	for _, r := range tp.resources("AWS::DynamoDB::Table") {
		b, _ := json.Marshal(props(r))
		for _, want := range []string{
			`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]`,
			`"PointInTimeRecoveryEnabled":true`, `"TimeToLiveSpecification":{"AttributeName":"ttl","Enabled":true}`,
			`"SSESpecification":{"SSEEnabled":true}`,
		} {
			if !strings.Contains(string(b), want) {
				t.Errorf("table lacks %s: %s", want, b)
			}
		}
	}
	for _, r := range tp.resources("AWS::SSM::Parameter") {
		p := props(r)
		want, _ := os.ReadFile("testdata/baseline.yaml")
		if p["Name"] != DefaultBaselineParameter || p["Value"] != string(want) {
			t.Errorf("baseline parameter %v", p["Name"])
		}
	}
}

func TestSecretsKeyPolicy(t *testing.T) {
	tp := templateOf(t, singleBuilt(t).Single["eu-west-1"])
	var found bool
	for _, r := range tp.resources("AWS::KMS::Key") {
		p := props(r)
		if !strings.Contains(p["Description"].(string), "Secrets Manager") {
			continue
		}
		found = true
		if p["EnableKeyRotation"] != true {
			t.Error("secrets key rotation off")
		}
		sts := statementsOf(p["KeyPolicy"])
		if len(sts) != 2 {
			t.Fatalf("want 2 statements, got %+v", sts)
		}
		admin, use := sts[0], sts[1]
		for _, a := range admin.Actions {
			if slices.Contains([]string{"kms:Decrypt", "kms:Encrypt", "kms:CreateGrant"}, a) || strings.HasPrefix(a, "kms:GenerateDataKey") || strings.HasPrefix(a, "kms:ReEncrypt") {
				t.Errorf("the account root may %s outside Secrets Manager", a)
			}
		}
		if use.Effect != "Allow" || use.Principal != `{"AWS":"*"}` {
			t.Errorf("use statement %+v", use)
		}
		want := `{"StringEquals":{"kms:CallerAccount":"${AWS::AccountId}","kms:ViaService":"secretsmanager.${AWS::Region}.${AWS::URLSuffix}"}}`
		if use.Condition != want {
			t.Errorf("use condition\n got %s\nwant %s", use.Condition, want)
		}
		for _, a := range []string{"kms:Decrypt", "kms:GenerateDataKey*"} {
			if !slices.Contains(use.Actions, a) {
				t.Errorf("use statement lacks %s", a)
			}
		}
		for _, st := range sts {
			if st.Effect != "Allow" {
				t.Errorf("Deny statement: the use-cmk remedy refuses keys with one: %+v", st)
			}
		}
	}
	if !found {
		t.Fatal("no secrets key")
	}
}

// TestRoleActions: each role has exactly the actions the shared packages
// declare, plus its own plumbing (logs, its queues).
func TestRoleActions(t *testing.T) {
	roles := templateOf(t, singleBuilt(t).Single["eu-west-1"]).roleStatements()
	consume := sqsConsumeActions
	want := map[string][]string{
		"evaluator": sorted(without(configrule.EvaluatorIAMActions(), "sts:", "kms:"), configrule.ResourcePermissions()[0].Actions,
			logsActions, []string{"sqs:SendMessage"}),
		"remediator": sorted(secret.IAMActions, remedies.IAMActions(), ledger.IAMActions,
			[]string{"events:PutEvents", "ssm:GetParameter"}, logsActions, consume),
		"workloads": sorted(engine.ResourceActions(), vpcendpoint.IAMActions, ledger.IAMActions,
			[]string{"events:PutEvents", "ssm:GetParameter"}, logsActions, consume),
		"notifier": sorted([]string{"ssm:CreateOpsItem", "ssm:UpdateOpsItem", "securityhub:BatchImportFindings",
			"securityhub:BatchUpdateFindings", "secretsmanager:GetSecretValue", "sns:Publish",
			"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "ssm:GetParameter"}, logsActions, consume),
		"revoker": sorted(revoke.IAMActions, logsActions),
		"accesswatch": sorted(accessdenied.IAMActions, accessdenied.ThrottleIAMActions, logsActions,
			[]string{"sqs:SendMessage"}),
	}
	for fn, w := range want {
		got := actionsOf(roles[RoleName(fn, "eu-west-1")])
		if !slices.Equal(got, w) {
			t.Errorf("%s:\n got %v\nwant %v", fn, got, w)
		}
	}
}

func TestMissingBinary(t *testing.T) {
	ctx := singleContext()
	ctx["binDir"] = t.TempDir()
	_, err := build(t, ctx)
	if err == nil || !strings.Contains(err.Error(), "run make build first") {
		t.Fatalf("want a make build hint, got %v", err)
	}
}

// TestAccessDeniedRule: refused secret reads go to accesswatch, from a rule
// that receives read-only management events; accesswatch may only put
// events on the bus and update the table.
func TestAccessDeniedRule(t *testing.T) {
	tp := templateOf(t, singleBuilt(t).Single["eu-west-1"])
	var found int
	for _, r := range tp.resources("AWS::Events::Rule") {
		p := props(r)
		if !strings.Contains(flat(p["Targets"]), "Functionsaccesswatch") {
			if p["State"] == allManagementEvents {
				t.Errorf("rule %v receives every management event", p["Description"])
			}
			continue
		}
		found++
		pat, _ := json.Marshal(p["EventPattern"])
		want := `{"detail":{"errorCode":[{"exists":true}],"eventName":["GetSecretValue","BatchGetSecretValue"],"eventSource":["secretsmanager.amazonaws.com"]},"detail-type":["AWS API Call via CloudTrail"],"source":["aws.secretsmanager"]}`
		if p["State"] != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" || string(pat) != want {
			t.Errorf("access denied rule: state %v pattern %s", p["State"], pat)
		}
		if !strings.Contains(flat(p["Targets"]), "DeadLetterConfig") {
			t.Errorf("access denied rule has no DLQ: %s", flat(p["Targets"]))
		}
	}
	if found != 1 {
		t.Errorf("%d rules target accesswatch, want 1", found)
	}
	for _, st := range tp.roleStatements()[RoleName("accesswatch", "eu-west-1")] {
		for _, res := range st.Resources {
			if res == "*" {
				t.Errorf("accesswatch: %v on *", st.Actions)
			}
		}
	}
}

// ec2Writes are the EC2 actions that change an account's network.
func ec2Writes(actions []string) []string {
	var out []string
	for _, a := range actions {
		for _, p := range []string{"ec2:Create", "ec2:Modify", "ec2:Authorize"} {
			if strings.HasPrefix(a, p) {
				out = append(out, a)
			}
		}
	}
	return out
}

// TestEngineRoles: the remediator no longer reads workloads nor changes
// networks; workloads does both, with the create-vpc-endpoint remedy's
// writes each on its resources, never on "*".
func TestEngineRoles(t *testing.T) {
	roles := templateOf(t, singleBuilt(t).Single["eu-west-1"]).roleStatements()
	remediator := actionsOf(roles[RoleName("remediator", "eu-west-1")])
	if w := ec2Writes(remediator); len(w) > 0 {
		t.Errorf("remediator may change networks: %v", w)
	}
	if slices.Contains(remediator, vpcEndpointZoneAction) {
		t.Errorf("remediator may associate VPCs with hosted zones")
	}
	for _, a := range engine.ResourceActions() {
		if slices.Contains(remediator, a) && !slices.Contains(secret.IAMActions, a) && !slices.Contains(remedies.IAMActions(), a) {
			t.Errorf("remediator keeps the workload checks' %s", a)
		}
	}
	wl := roles[RoleName("workloads", "eu-west-1")]
	want := []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint"}
	if got := ec2Writes(actionsOf(wl)); !slices.Equal(got, want) {
		t.Errorf("workloads EC2 writes %v, want %v", got, want)
	}
	checkEC2Scopes(t, "workloads", wl)
}

// checkEC2Scopes checks the statements of a role that holds the
// create-vpc-endpoint remedy's actions (its EC2 actions and their
// dependent Route 53 action), in the given Regions: none for the Region of
// the role's stack (${AWS::Region}), or "*".
func checkEC2Scopes(t *testing.T, role string, sts []statement, regions ...string) {
	t.Helper()
	if len(regions) == 0 {
		regions = []string{"${AWS::Region}"}
	}
	ec2 := func(types ...string) []string {
		var out []string
		for _, typ := range types {
			for _, r := range regions {
				out = append(out, "arn:${AWS::Partition}:ec2:"+r+":${AWS::AccountId}:"+typ+"/*")
			}
		}
		return out
	}
	var services, vpcs []string
	for _, r := range regions {
		services = append(services, `"com.amazonaws.`+r+`.secretsmanager","cn.com.amazonaws.`+r+`.secretsmanager"`)
		vpcs = append(vpcs, `"VPCId=vpc-*,VPCRegion=`+r+`"`)
	}
	op, zone := "StringEquals", statement{Resources: []string{"arn:${AWS::Partition}:route53:::hostedzone/*"},
		Condition: `{"ForAllValues:StringLike":{"route53:VPCs":[` + strings.Join(vpcs, ",") + `]}}`}
	if slices.Equal(regions, []string{"*"}) {
		op, zone.Condition = "StringLike", ""
	}
	tag := vpcendpoint.ManagedTag
	want := map[string][]statement{
		"ec2:DescribeVpcAttribute": {{Resources: ec2("vpc")}},
		"ec2:CreateSecurityGroup": {
			{Resources: ec2("vpc")},
			{Resources: ec2("security-group"), Condition: `{"Null":{"aws:RequestTag/` + tag + `":"false"}}`},
		},
		"ec2:AuthorizeSecurityGroupIngress": {
			{Resources: ec2("security-group"), Condition: `{"Null":{"aws:ResourceTag/` + tag + `":"false"}}`},
		},
		"ec2:CreateVpcEndpoint": {
			{Resources: ec2("vpc", "subnet", "security-group")},
			{Resources: ec2("vpc-endpoint"), Condition: `{"Null":{"aws:RequestTag/` + tag + `":"false"},` +
				`"` + op + `":{"ec2:VpceServiceName":[` + strings.Join(services, ",") + `]}}`},
		},
		"ec2:ModifyVpcEndpoint": {{Resources: ec2("vpc-endpoint")}},
		"ec2:CreateTags": {
			{Resources: ec2("security-group", "vpc-endpoint"), Condition: `{"StringEquals":{"ec2:CreateAction":["CreateSecurityGroup","CreateVpcEndpoint"]}}`},
		},
		vpcEndpointZoneAction:        {zone},
		"ec2:DescribeVpcs":           {{Resources: []string{"*"}}},
		"ec2:DescribeSubnets":        {{Resources: []string{"*"}}},
		"ec2:DescribeRouteTables":    {{Resources: []string{"*"}}},
		"ec2:DescribeSecurityGroups": {{Resources: []string{"*"}}},
		"ec2:DescribeVpcEndpoints":   {{Resources: []string{"*"}}},
	}
	got := map[string][]statement{}
	for _, st := range sts {
		for _, a := range st.Actions {
			if strings.HasPrefix(a, "ec2:") || strings.HasPrefix(a, "route53:") {
				got[a] = append(got[a], statement{Resources: st.Resources, Condition: st.Condition})
			}
		}
	}
	key := func(s statement) string { return strings.Join(s.Resources, ",") + s.Condition }
	for a, w := range want {
		g := got[a]
		slices.SortFunc(g, func(x, y statement) int { return strings.Compare(key(x), key(y)) })
		slices.SortFunc(w, func(x, y statement) int { return strings.Compare(key(x), key(y)) })
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s %s:\n got %+v\nwant %+v", role, a, g, w)
		}
	}
	for a := range got {
		if want[a] == nil {
			t.Errorf("%s: unexpected %s", role, a)
		}
	}
}

// TestComplianceChangeRoutes: the compliance changes of the secret checks'
// rules go to the remediator's queue only, those of the workload and
// account checks' rules to workloads' only, each with its DLQ.
func TestComplianceChangeRoutes(t *testing.T) {
	tp := templateOf(t, singleBuilt(t).Single["eu-west-1"])
	types := checkResourceTypes()
	want := map[string]map[string]any{} // queue -> detail
	for fn, ids := range map[string][]string{"remediator": baseline.CheckIDs, "workloads": baseline.ResourceCheckIDs} {
		var names, rtypes []any
		for _, id := range ids {
			names = append(names, "secretguard-"+id)
			if !slices.Contains(rtypes, any(types[id])) {
				rtypes = append(rtypes, types[id])
			}
		}
		want["Functions"+fn+"Queue"] = map[string]any{"configRuleName": names, "resourceType": rtypes}
	}
	if got := want["FunctionsremediatorQueue"]["resourceType"]; !reflect.DeepEqual(got, []any{"AWS::SecretsManager::Secret"}) {
		t.Errorf("remediator resource types %v", got)
	}
	if got := want["FunctionsworkloadsQueue"]["resourceType"]; !reflect.DeepEqual(got, []any{"AWS::Lambda::Function", "AWS::ECS::TaskDefinition", "AWS::::Account"}) {
		t.Errorf("workloads resource types %v", got)
	}
	found := map[string]int{}
	for _, r := range tp.resources("AWS::Events::Rule") {
		p := props(r)
		pat := p["EventPattern"].(map[string]any)
		if !reflect.DeepEqual(pat["detail-type"], []any{"Config Rules Compliance Change"}) {
			continue
		}
		targets := p["Targets"].([]any)
		if len(targets) != 1 {
			t.Fatalf("rule %v: %d targets", p["Description"], len(targets))
		}
		tg := targets[0].(map[string]any)
		queue := strings.TrimSuffix(strings.TrimPrefix(flat(tg["Arn"]), "${"), ".Arn}")
		var fnQueue string
		for q := range want {
			if strings.HasPrefix(queue, q) {
				fnQueue = q
			}
		}
		if fnQueue == "" {
			t.Errorf("compliance changes go to %s", queue)
			continue
		}
		found[fnQueue]++
		// JSON round trip: the template holds []any.
		b, _ := json.Marshal(want[fnQueue])
		var w any
		_ = json.Unmarshal(b, &w)
		if !reflect.DeepEqual(pat["detail"], w) || !reflect.DeepEqual(pat["source"], []any{"aws.config"}) {
			t.Errorf("%s pattern\n got %v\nwant %v", fnQueue, pat, w)
		}
		dlq := flat(tg["DeadLetterConfig"])
		if !strings.Contains(dlq, strings.TrimSuffix(fnQueue, "Queue")+"DLQ") {
			t.Errorf("%s: dead-letter %s", fnQueue, dlq)
		}
	}
	for q := range want {
		if found[q] != 1 {
			t.Errorf("%d compliance change rules feed %s, want 1", found[q], q)
		}
	}
}
