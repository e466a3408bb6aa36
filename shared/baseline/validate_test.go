package baseline

import (
	"errors"
	"strings"
	"testing"
)

// doc builds a document from minimal plus extra top-level lines; extra
// lines naming classes or version replace minimal's.
func doc(extra string) string {
	out := extra
	if !strings.Contains(extra, "classes:") {
		out = "classes: [{name: standard, maxRotationDays: 90}]\n" + out
	}
	if !strings.Contains(extra, "version:") {
		out = "version: 1\n" + out
	}
	return out
}

func fn(arn string) string {
	return "classes: [{name: standard, maxRotationDays: 90, rotationFunctions: [{engine: mysql, arn: \"" + arn + "\"}]}]\n"
}

func TestValidateRules(t *testing.T) {
	for _, tc := range []struct{ name, extra, want string }{
		{"version", "version: 2\n", "version: must be 1, got 2"},
		{"organization id", "organization: {id: org-123}\n", `organization.id: must be empty or an organization ID like o-a1b2c3d4e5, got "org-123"`},
		{"allowed account", "organization: {allowedAccounts: ['12345']}\n", `organization.allowedAccounts[0]: must be a 12-digit account ID, got "12345"`},
		{"allowed account duplicate", "organization: {allowedAccounts: ['111122223333', '111122223333']}\n", "organization.allowedAccounts[1]: duplicate account 111122223333"},
		{"member account", "organization: {memberAccounts: ['11112222333a']}\n", `organization.memberAccounts[0]: must be a 12-digit account ID`},
		{"member account duplicate", "organization: {memberAccounts: ['111122223333', '111122223333']}\n", "organization.memberAccounts[1]: duplicate account"},
		{"no classes", "classes: []\n", "classes: at least one class is required"},
		{"class name", "classes: [{name: Standard, maxRotationDays: 9}]\ndefaultClass: Standard\n", `classes[0].name: must be 1-63 lower-case letters`},
		{"class name empty", "classes: [{maxRotationDays: 9}]\ndefaultClass: x\n", `classes[0].name: must be`},
		{"class name duplicate", "classes: [{name: standard, maxRotationDays: 9}, {name: standard, maxRotationDays: 9}]\n", `classes[1].name: duplicate class name "standard"`},
		{"max rotation days zero", "classes: [{name: standard}]\n", "classes[0].maxRotationDays: must be between 1 and 1000, got 0"},
		{"max rotation days high", "classes: [{name: standard, maxRotationDays: 1001}]\n", "classes[0].maxRotationDays: must be between 1 and 1000, got 1001"},
		{"class strategy", "classes: [{name: standard, maxRotationDays: 9, strategy: multi-user}]\n", `classes[0].strategy: must be single-user or alternating-users, got "multi-user"`},
		{"function strategy", "classes: [{name: standard, maxRotationDays: 9, rotationFunctions: [{strategy: both, arn: 'arn:aws:lambda:us-east-1:111122223333:function:f'}]}]\n", `classes[0].rotationFunctions[0].strategy: must be single-user or alternating-users, got "both"`},
		{"function arn empty", fn(""), "classes[0].rotationFunctions[0].arn: must not be empty"},
		{"function arn not lambda", fn("arn:aws:iam::111122223333:role/x"), "classes[0].rotationFunctions[0].arn: must be a Lambda function ARN"},
		{"function arn bad region", fn("arn:aws:lambda:useast1:111122223333:function:f"), "classes[0].rotationFunctions[0].arn: must be a Lambda function ARN"},
		{"function arn bad account", fn("arn:aws:lambda:us-east-1:1111:function:f"), "classes[0].rotationFunctions[0].arn: must be a Lambda function ARN"},
		{"function arn unknown placeholder", fn("arn:${Partition}:lambda:${Foo}:${AccountId}:function:f"), "classes[0].rotationFunctions[0].arn: unknown placeholder ${Foo}"},
		{"function duplicate", "classes: [{name: standard, maxRotationDays: 9, rotationFunctions: [{engine: MySQL, arn: 'arn:aws:lambda:us-east-1:111122223333:function:f'}, {engine: mysql, arn: 'arn:aws:lambda:us-east-1:111122223333:function:g'}]}]\n",
			`classes[0].rotationFunctions[1]: same engine "mysql" and strategy "" as classes[0].rotationFunctions[0]`},
		{"function duplicate wildcard", "classes: [{name: standard, maxRotationDays: 9, rotationFunctions: [{arn: 'arn:aws:lambda:us-east-1:111122223333:function:f'}, {engine: '*', arn: 'arn:aws:lambda:us-east-1:111122223333:function:g'}]}]\n",
			`classes[0].rotationFunctions[1]: same engine "*"`},
		{"owning service empty", "classes: [{name: standard, maxRotationDays: 9, match: {owningServices: ['']}}]\n", "classes[0].match.owningServices[0]: must not be empty"},
		{"owning service claimed twice", "classes: [{name: standard, maxRotationDays: 9, match: {owningServices: [rds]}}, {name: db, maxRotationDays: 9, match: {owningServices: [RDS]}}]\n",
			`classes[1].match.owningServices[0]: owning service "RDS" is already claimed by class "standard"`},
		{"name prefix empty", "classes: [{name: standard, maxRotationDays: 9, match: {namePrefixes: ['']}}]\n", "classes[0].match.namePrefixes[0]: must not be empty"},
		{"name prefix claimed twice", "classes: [{name: standard, maxRotationDays: 9, match: {namePrefixes: [db/]}}, {name: db, maxRotationDays: 9, match: {namePrefixes: [db/]}}]\n",
			`classes[1].match.namePrefixes[0]: name prefix "db/" is already claimed by class "standard"`},
		{"replicate to region", "classes: [{name: standard, maxRotationDays: 9, replicateTo: [us-east]}]\n", `classes[0].replicateTo[0]: must be a Region name like us-east-1, got "us-east"`},
		{"replicate to duplicate", "classes: [{name: standard, maxRotationDays: 9, replicateTo: [eu-west-1, eu-west-1]}]\n", "classes[0].replicateTo[1]: duplicate Region eu-west-1"},
		{"default class unknown", "defaultClass: gold\n", `defaultClass: no class is named "gold"`},
		{"default class required", "classes: [{name: other, maxRotationDays: 9}]\n", "defaultClass: is required"},
		{"tag key empty", "requiredTags: [{key: ''}]\n", "requiredTags[0].key: must not be empty"},
		{"tag key long", "requiredTags: [{key: " + strings.Repeat("k", 129) + "}]\n", "requiredTags[0].key: must be at most 128 characters, got 129"},
		{"tag key duplicate", "requiredTags: [{key: owner}, {key: owner}]\n", `requiredTags[1].key: duplicate required tag "owner"`},
		{"tag key aws", "requiredTags: [{key: 'AWS:owner'}]\n", `requiredTags[0].key: must not start with "aws:"`},
		{"tag key characters", "requiredTags: [{key: 'owner!'}]\n", `requiredTags[0].key: "owner!" has characters AWS does not allow in tag keys`},
		{"tag value long", "requiredTags: [{key: env, allowedValues: [" + strings.Repeat("v", 257) + "]}]\n", "requiredTags[0].allowedValues[0]: must be at most 256 characters, got 257"},
		{"tag default not allowed", "requiredTags: [{key: env, allowedValues: [prod, dev], default: test}]\n", `requiredTags[0].default: "test" is not one of allowedValues`},
		{"kms region", "kms: {allowedKeys: {useast: [alias/x]}}\n", `kms.allowedKeys.useast: key must be a Region name like us-east-1 or "*"`},
		{"kms empty list", "kms: {allowedKeys: {us-east-1: []}}\n", "kms.allowedKeys.us-east-1: must list at least one key"},
		{"kms bad key", "kms: {allowedKeys: {'*': [my-key]}}\n", `kms.allowedKeys["*"][0]: must be a KMS key ARN, key ID (UUID or mrk-…) or alias/<name>, got "my-key"`},
		{"kms bad arn", "kms: {allowedKeys: {'*': ['arn:aws:kms:us-east-1:111122223333:key/nope']}}\n", `kms.allowedKeys["*"][0]: must be a KMS key ARN`},
		{"kms aws managed", "kms: {allowedKeys: {'*': [alias/aws/secretsmanager]}}\n", `kms.allowedKeys["*"][0]: "alias/aws/secretsmanager" is the AWS managed key`},
		{"kms aws managed arn", "kms: {allowedKeys: {'*': ['arn:aws:kms:us-east-1:111122223333:alias/aws/secretsmanager']}}\n", `kms.allowedKeys["*"][0]: "arn:aws:kms:us-east-1:111122223333:alias/aws/secretsmanager" is the AWS managed key`},
		{"kms duplicate", "kms: {allowedKeys: {'*': [alias/a, alias/a]}}\n", `kms.allowedKeys["*"][1]: duplicate key "alias/a"`},
		{"kms unknown placeholder", "kms: {allowedKeys: {'*': ['arn:${Partition}:kms:${Zone}:${AccountId}:key/mrk-0123456789abcdef0123456789abcdef']}}\n", `kms.allowedKeys["*"][0]: unknown placeholder ${Zone}`},
		{"default key region", "kms: {defaultKeys: {global: alias/x}}\n", "kms.defaultKeys.global: key must be a Region name"},
		{"default key empty", "kms: {defaultKeys: {eu-west-1: ''}}\n", "kms.defaultKeys.eu-west-1: must be a KMS key ARN"},
		{"default key aws managed", "kms: {defaultKeys: {'*': alias/aws/secretsmanager}}\n", `kms.defaultKeys["*"]: "alias/aws/secretsmanager" is the AWS managed key`},
		{"replication tag", "replication: {tag: 'aws:replicate'}\n", `replication.tag: must not start with "aws:"`},
		{"unused days", "unused: {days: 3651}\n", "unused.days: must be between 1 and 3650, got 3651"},
		{"unused days negative", "unused: {days: -1}\n", "unused.days: must be between 1 and 3650, got -1"},
		{"rotated recently days", "rotatedRecently: {days: 4000}\n", "rotatedRecently.days: must be between 1 and 3650, got 4000"},
		{"unknown check", "checks: {rotation: {mode: ticket}}\n", `checks.rotation: unknown check ID "rotation" (known: rotation-enabled, rotation-function,`},
		{"check mode", "checks: {cmk: {mode: fix}}\n", `checks.cmk.mode: must be report, ticket or remediate, got "fix"`},
		{"waiver prefix long", "waivers: {tagPrefix: " + strings.Repeat("w", 101) + "}\n", "waivers.tagPrefix: must be at most 100 characters, got 101"},
		{"waiver prefix characters", "waivers: {tagPrefix: 'waive#'}\n", `waivers.tagPrefix: "waive#" has characters AWS does not allow in tag keys`},
		{"waiver max days", "waivers: {maxDays: 5000}\n", "waivers.maxDays: must be between 1 and 3650, got 5000"},
		{"max changes", "maxChangesPerInvocation: 1001\n", "maxChangesPerInvocation: must be between 1 and 1000, got 1001"},
		{"environments key", "environments: {prod: prod}\n", "environments.prod: key must be a 12-digit account ID"},
		{"environments value", "environments: {'111122223333': ''}\n", "environments.111122223333: must not be empty"},
		{"break glass role", "breakGlassRoles: ['arn:aws:iam::111122223333:user/admin']\n", `breakGlassRoles[0]: must be an IAM role ARN`},
		{"break glass placeholder", "breakGlassRoles: ['arn:aws:iam::${Account}:role/admin']\n", "breakGlassRoles[0]: unknown placeholder ${Account}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(doc(tc.extra)))
			if err == nil || !strings.Contains(err.Error(), "baseline: "+tc.want) {
				t.Fatalf("Parse error = %v\nwant it to contain %q", err, "baseline: "+tc.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, tc := range []struct{ name, extra string }{
		{"lambda arn literal with alias", fn("arn:aws:lambda:us-east-1:111122223333:function:SecretsManagerRotation:live")},
		{"lambda arn $LATEST", fn("arn:aws:lambda:eu-central-1:111122223333:function:f_1-2:$LATEST")},
		{"lambda arn placeholders", fn("arn:${Partition}:lambda:${Region}:${AccountId}:function:f")},
		{"lambda arn gov cloud", fn("arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:f")},
		{"regions", "classes: [{name: standard, maxRotationDays: 9, replicateTo: [us-gov-west-1, cn-north-1, eu-isoe-west-1, ap-southeast-2]}]\n"},
		{"organization", "organization: {id: o-abcdefghij0123456789, allowedAccounts: ['111122223333'], memberAccounts: ['111122223333']}\n"},
		{"kms key forms", "kms: {allowedKeys: {'*': [1234abcd-12ab-34cd-56ef-1234567890ab, mrk-1234abcd12ab34cd56ef1234567890ab, alias/team/secrets, 'arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:${Partition}:kms:${Region}:${AccountId}:alias/secrets']}}\n"},
		{"tag rules", "requiredTags: [{key: 'cost-center:id', allowedValues: [a, 'b c'], default: 'b c'}, {key: owner, default: platform}]\n"},
		{"check modes", "checks: {unused: {mode: remediate}, cmk: {mode: ticket}, replication: {mode: report}}\n"},
		{"role with path", "breakGlassRoles: ['arn:aws:iam::111122223333:role/ops/team/Break.Glass+1', 'arn:${Partition}:iam::${AccountId}:role/admin']\n"},
		{"limits", "unused: {days: 3650}\nrotatedRecently: {days: 1}\nwaivers: {maxDays: 3650, tagPrefix: 'x:'}\nmaxChangesPerInvocation: 1000\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse([]byte(doc(tc.extra))); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidateCollectsAndSorts(t *testing.T) {
	var classes strings.Builder
	classes.WriteString("classes:\n")
	for i := 0; i < 11; i++ {
		classes.WriteString("  - {name: c" + string(rune('a'+i)) + ", maxRotationDays: 9}\n")
	}
	classes.WriteString("  - {name: standard}\n")
	_, err := Parse([]byte("version: 3\nmaxChangesPerInvocation: -5\n" + classes.String() + "classes_marker: 0\n"))
	// classes_marker is unknown: decoding errors are reported alone.
	if err == nil || err.Error() != `baseline: line 16: unknown field "classes_marker"` {
		t.Fatalf("error = %v", err)
	}
	_, err = Parse([]byte("version: 3\nmaxChangesPerInvocation: -5\n" + classes.String()))
	want := strings.Join([]string{
		"baseline: classes[11].maxRotationDays: must be between 1 and 1000, got 0",
		"baseline: maxChangesPerInvocation: must be between 1 and 1000, got -5",
		"baseline: version: must be 1, got 3",
	}, "\n")
	if err == nil || err.Error() != want {
		t.Fatalf("error =\n%v\nwant\n%s", err, want)
	}
	_, err = Parse([]byte("version: 1\nclasses: [" + strings.Repeat("{name: x, maxRotationDays: 0}, ", 11) + "{name: standard, maxRotationDays: 1}]\n"))
	lines := strings.Split(err.Error(), "\n")
	if !strings.HasPrefix(lines[0], "baseline: classes[0].maxRotationDays") || !strings.HasPrefix(lines[len(lines)-1], "baseline: classes[10].name") ||
		!strings.HasPrefix(lines[2], "baseline: classes[1].name") || !strings.HasPrefix(lines[3], "baseline: classes[2].") {
		t.Errorf("not in natural path order:\n%v", err)
	}
}

func TestValidateInCode(t *testing.T) {
	b := &Baseline{Version: 1, Classes: []Class{{Name: "a", MaxRotationDays: 5}, {Name: "b", MaxRotationDays: 5}}, DefaultClass: "b"}
	err := b.Validate()
	// Validate applies no defaults.
	for _, want := range []string{"replication.tag: must not be empty", "unused.days: must be between", "waivers.tagPrefix: must not be empty", "maxChangesPerInvocation: must be between"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path == "" || fe.Line != 0 {
		t.Errorf("FieldError %+v", fe)
	}
	b.Replication.Tag, b.Unused.Days, b.Rotated.Days = "r", 1, 1
	b.Waivers = Waivers{TagPrefix: "w:", MaxDays: 1}
	b.MaxChangesPerInvocation = 1
	if err := b.Validate(); err != nil { // caching left 0: the defaults
		t.Fatal(err)
	}
	if m, h := b.CachingThresholds(); m != defaultMaxCallsPerHour || h != defaultSustainedHours {
		t.Errorf("CachingThresholds() = %d, %d", m, h)
	}
	if b.classByName["b"] != 1 || b.ClassFor("x", "", nil).Name != "b" {
		t.Errorf("index %v", b.classByName)
	}
	// A stale index does not mislead Class.
	b.Classes = b.Classes[:1]
	if c := b.Class("b"); c != nil {
		t.Errorf("Class(b) after truncation = %+v", c)
	}
}

func TestLessPath(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"classes[2]", "classes[10]", true},
		{"classes[10]", "classes[2]", false},
		{"classes[1].name", "classes[1].strategy", true},
		{"classes[02]", "classes[2].x", true},
		{"", "version", true},
		{"version", "version", false},
	} {
		if got := lessPath(tc.a, tc.b); got != tc.want {
			t.Errorf("lessPath(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
