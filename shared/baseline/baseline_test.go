package baseline

import (
	"reflect"
	"testing"
)

const methodsDoc = `
version: 1
defaultClass: standard
replication: {tag: replicate-to}
classes:
  - name: database
    match: {owningServices: [rds], namePrefixes: [db/]}
    maxRotationDays: 30
    strategy: alternating-users
    replicateTo: [eu-west-1, us-east-1]
    rotationFunctions:
      - {engine: postgres, strategy: alternating-users, arn: "arn:${Partition}:lambda:${Region}:${AccountId}:function:pg-multi"}
      - {engine: postgres, strategy: single-user, arn: "arn:${Partition}:lambda:${Region}:${AccountId}:function:pg-single"}
      - {engine: "*", strategy: alternating-users, arn: "arn:aws:lambda:us-east-1:111122223333:function:any-multi"}
  - name: reporting
    match: {namePrefixes: [db/reports/]}
    maxRotationDays: 60
  - name: manual
    maxRotationDays: 365
    rotationFunctions:
      - {engine: mysql, arn: "arn:${Partition}:lambda:${Region}:${AccountId}:function:mysql"}
  - name: standard
    maxRotationDays: 90
kms:
  allowedKeys:
    "*": [alias/secrets]
    eu-west-1: ["arn:aws:kms:eu-west-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef"]
  defaultKeys:
    "*": "arn:${Partition}:kms:${Region}:${AccountId}:alias/secrets"
    cn-north-1: "alias/china"
`

func methodsBaseline(t *testing.T) *Baseline {
	t.Helper()
	b, err := Parse([]byte(methodsDoc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClassFor(t *testing.T) {
	b := methodsBaseline(t)
	for _, tc := range []struct {
		name, secret, service string
		tags                  map[string]string
		want                  string
	}{
		{"tag wins over service and prefix", "db/x", "rds", map[string]string{ClassTag: "manual"}, "manual"},
		{"owning service over prefix", "db/reports/x", "RDS", nil, "database"},
		{"longest prefix", "db/reports/q1", "", nil, "reporting"},
		{"shorter prefix", "db/orders", "", nil, "database"},
		{"unknown service falls to prefix", "db/orders", "redshift", nil, "database"},
		{"default", "app/config", "", nil, "standard"},
		{"unknown class tag falls through", "db/orders", "", map[string]string{ClassTag: "gold"}, "database"},
		{"unknown class tag to default", "x", "", map[string]string{ClassTag: "gold"}, "standard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c := b.ClassFor(tc.secret, tc.service, tc.tags); c == nil || c.Name != tc.want {
				t.Fatalf("ClassFor = %+v, want %s", c, tc.want)
			}
		})
	}
}

func TestRotationFunctionFor(t *testing.T) {
	b := methodsBaseline(t)
	for _, tc := range []struct {
		name, class                string
		tags                       map[string]string
		partition, region, account string
		want                       string
		wantOK                     bool
	}{
		{"engine and class strategy", "database", map[string]string{EngineTag: "Postgres"}, "aws", "us-east-1", "111122223333",
			"arn:aws:lambda:us-east-1:111122223333:function:pg-multi", true},
		{"strategy from tag", "database", map[string]string{EngineTag: "postgres", StrategyTag: StrategySingleUser}, "aws", "eu-west-1", "111122223333",
			"arn:aws:lambda:eu-west-1:111122223333:function:pg-single", true},
		{"wildcard engine", "database", map[string]string{EngineTag: "mysql"}, "aws", "us-east-1", "111122223333",
			"arn:aws:lambda:us-east-1:111122223333:function:any-multi", true},
		{"no engine tag uses wildcard", "database", nil, "aws", "us-east-1", "111122223333",
			"arn:aws:lambda:us-east-1:111122223333:function:any-multi", true},
		{"wildcard does not match other strategy", "database", map[string]string{EngineTag: "mysql", StrategyTag: StrategySingleUser}, "aws", "us-east-1", "111122223333", "", false},
		{"aws-cn", "manual", map[string]string{EngineTag: "mysql"}, "aws-cn", "cn-north-1", "222233334444",
			"arn:aws-cn:lambda:cn-north-1:222233334444:function:mysql", true},
		{"aws-us-gov", "manual", map[string]string{EngineTag: "mysql"}, "aws-us-gov", "us-gov-west-1", "222233334444",
			"arn:aws-us-gov:lambda:us-gov-west-1:222233334444:function:mysql", true},
		{"no engine and no wildcard", "manual", nil, "aws", "us-east-1", "111122223333", "", false},
		{"none", "standard", map[string]string{EngineTag: "mysql"}, "aws", "us-east-1", "111122223333", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := b.Class(tc.class).RotationFunctionFor(tc.tags, tc.partition, tc.region, tc.account)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("RotationFunctionFor = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestRequiredRegions(t *testing.T) {
	b := methodsBaseline(t)
	for _, tc := range []struct {
		name, class, own string
		tag              string
		want             []string
	}{
		{"class only, own dropped", "database", "us-east-1", "", []string{"eu-west-1"}},
		{"class and tag", "database", "us-west-2", "ap-south-1", []string{"ap-south-1", "eu-west-1", "us-east-1"}},
		{"separators", "standard", "us-east-1", "eu-west-1, eu-central-1;ap-south-1\tus-east-1  sa-east-1", []string{"ap-south-1", "eu-central-1", "eu-west-1", "sa-east-1"}},
		{"none", "standard", "us-east-1", "", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tags := map[string]string{}
			if tc.tag != "" {
				tags["replicate-to"] = tc.tag
			}
			if got := b.RequiredRegions(b.Class(tc.class), tags, tc.own); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("RequiredRegions = %v, want %v", got, tc.want)
			}
		})
	}
	if got := b.RequiredRegions(nil, map[string]string{"replicate-to": "eu-west-1"}, "us-east-1"); !reflect.DeepEqual(got, []string{"eu-west-1"}) {
		t.Errorf("nil class: %v", got)
	}
}

func TestKeys(t *testing.T) {
	b := methodsBaseline(t)
	for _, tc := range []struct {
		region, partition string
		wantAllowed       []string
		wantDefault       string
	}{
		{"eu-west-1", "aws", []string{"arn:aws:kms:eu-west-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef"}, "arn:aws:kms:eu-west-1:111122223333:alias/secrets"},
		{"us-east-1", "aws", []string{"alias/secrets"}, "arn:aws:kms:us-east-1:111122223333:alias/secrets"},
		{"cn-north-1", "aws-cn", []string{"alias/secrets"}, "alias/china"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			if got := b.AllowedKeys(tc.region); !reflect.DeepEqual(got, tc.wantAllowed) {
				t.Errorf("AllowedKeys = %v, want %v", got, tc.wantAllowed)
			}
			if got := b.DefaultKey(tc.partition, tc.region, "111122223333"); got != tc.wantDefault {
				t.Errorf("DefaultKey = %q, want %q", got, tc.wantDefault)
			}
		})
	}
	d := Default()
	if d.AllowedKeys("us-east-1") != nil || d.DefaultKey("aws", "us-east-1", "111122223333") != "" {
		t.Error("default baseline restricts keys")
	}
}
