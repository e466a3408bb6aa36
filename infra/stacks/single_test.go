package stacks

import (
	"encoding/json"
	"os"
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
)

var logsActions = []string{"logs:CreateLogStream", "logs:PutLogEvents"}

func TestSingleResourceCounts(t *testing.T) {
	countsAre(t, templateOf(t, singleBuilt(t).Single["eu-west-1"]), map[string]int{
		"AWS::Lambda::Function":           5,
		"AWS::IAM::Role":                  5,
		"AWS::IAM::Policy":                0, // every grant is in the roles' inline policies
		"AWS::Config::ConfigRule":         len(baseline.CheckIDs) + len(baseline.ResourceCheckIDs),
		"AWS::Lambda::Permission":         2, // config -> evaluator, events -> accesswatch
		"AWS::Events::Rule":               4, // compliance change, CloudTrail -> remediator; outcomes -> notifier; access denied -> accesswatch
		"AWS::SQS::Queue":                 6, // evaluator and accesswatch DLQ; remediator and notifier queue + DLQ
		"AWS::Lambda::EventSourceMapping": 2,
		"AWS::CloudWatch::Alarm":          9, // errors x5, DLQ depth x4
		"AWS::Logs::LogGroup":             5,
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
		if name == FunctionName("remediator") && (env["DRY_RUN"] != "true" || env["EVENT_BUS_NAME"] != "default" || env["SPOKE_ROLE_NAME"] != DefaultSpokeRoleName) {
			t.Errorf("remediator env %v", env)
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
		"remediator": sorted(secret.IAMActions, remedies.IAMActions(), engine.ResourceActions(), ledger.IAMActions,
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
