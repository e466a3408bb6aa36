package checks

import (
	"fmt"
	"strings"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/credscan"
	"github.com/secretguard/secretguard/shared/workload"
)

const (
	acct    = "111122223333"
	fnARN   = "arn:aws:lambda:us-east-1:111122223333:function:orders-api"
	tdARN   = "arn:aws:ecs:us-east-1:111122223333:task-definition/orders:7"
	leakPW  = "Tr0ub4dor&3"
	leakURL = "postgres://app:" + "s3cr3t-Pw9@db.internal/orders"
)

var ghToken = "ghp_" + strings.Repeat("a1B2c3", 6)

func resBaseline() *baseline.Baseline {
	b := testBaseline()
	b.Caching = baseline.Caching{MaxCallsPerHour: 1000, SustainedHours: 3}
	return b
}

func fnRes(env map[string]string, edits ...func(*workload.Resource)) *workload.Resource {
	r := &workload.Resource{Type: workload.TypeFunction, ID: "orders-api", ARN: fnARN, Name: "orders-api",
		AccountID: acct, Region: "us-east-1", Partition: "aws", Function: &workload.Function{TagsKnown: true}}
	for k, v := range env {
		r.Function.Env = append(r.Function.Env, credscan.Var{Name: k, Value: v})
	}
	for _, e := range edits {
		e(r)
	}
	return r
}

func tdRes(containers ...workload.Container) *workload.Resource {
	return &workload.Resource{Type: workload.TypeTaskDefinition, ID: tdARN, ARN: tdARN, Name: "orders:7",
		AccountID: acct, Region: "us-east-1", Partition: "aws",
		TaskDefinition: &workload.TaskDefinition{Family: "orders", Revision: 7, Status: "ACTIVE", Containers: containers}}
}

func container(name string, kv ...string) workload.Container {
	c := workload.Container{Name: name}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Env = append(c.Env, credscan.Var{Name: kv[i], Value: kv[i+1]})
	}
	return c
}

func acctRes(edit func(*workload.Account)) *workload.Resource {
	r := &workload.Resource{Type: workload.TypeAccount, ID: acct, Name: acct, AccountID: acct, Region: "us-east-1", Partition: "aws", Account: &workload.Account{}}
	edit(r.Account)
	return r
}

func trail(name string, edits ...func(*workload.Trail)) workload.Trail {
	t := workload.Trail{Name: name, ARN: "arn:aws:cloudtrail:us-east-1:111122223333:trail/" + name, HomeRegion: "us-east-1",
		Logging: true, StatusKnown: true, SelectorsKnown: true,
		Selectors: []workload.EventSelector{{ReadWriteType: "All", IncludeManagementEvents: true}}}
	for _, e := range edits {
		e(&t)
	}
	return t
}

func withTrails(ts ...workload.Trail) func(*workload.Account) {
	return func(a *workload.Account) { a.TrailsKnown, a.Trails = true, ts }
}

func adv(fields ...workload.FieldSelector) func(*workload.Trail) {
	return func(t *workload.Trail) {
		t.Selectors = nil
		t.Advanced = []workload.AdvancedSelector{{Name: "s", Fields: fields}}
	}
}

func hourly(v ...float64) func(*workload.Account) {
	return func(a *workload.Account) {
		a.UsageKnown = true
		a.Usage.Hourly = make([]float64, 24)
		copy(a.Usage.Hourly[24-len(v):], v)
	}
}

// resourceCase is one fixture of a resource check.
type resourceCase struct {
	name string
	r    *workload.Resource
	b    func(*baseline.Baseline)
	want Compliance
	// has must appear in the annotation.
	has []string
}

func resourceCases() map[string][]resourceCase {
	cover := func(vpcs ...string) func(*workload.Account) {
		return func(a *workload.Account) {
			a.NetworkKnown = true
			a.VPCs = []workload.VPC{{ID: "vpc-1", Functions: []string{"orders-api"}, Count: 3}, {ID: "vpc-2", Services: []string{"web"}, Count: 1}}
			for _, v := range vpcs {
				a.Endpoints = append(a.Endpoints, workload.Endpoint{ID: "vpce-" + v, VPCID: v, State: "available", PrivateDNSEnabled: true})
			}
		}
	}
	params := func(ps ...workload.Parameter) func(*workload.Account) {
		return func(a *workload.Account) { a.ParametersKnown, a.Parameters = true, ps }
	}
	return map[string][]resourceCase{
		baseline.CheckNoPlaintextLambdaEnv: {
			{name: "no environment", r: fnRes(nil), want: Compliant, has: []string{"No environment"}},
			{name: "clean", r: fnRes(map[string]string{"LOG_LEVEL": "info", "DB_PASSWORD_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x"}), want: Compliant, has: []string{"2 environment variables, none"}},
			{name: "password and url", r: fnRes(map[string]string{"DB_PASSWORD": leakPW, "DATABASE_URL": leakURL, "LOG_LEVEL": "x"}), want: NonCompliant,
				has: []string{"2 variables hold a credential", "DATABASE_URL (URL with a password)", "DB_PASSWORD (high-entropy"}},
			{name: "allowed", r: fnRes(map[string]string{"DB_PASSWORD": leakPW}), want: Compliant,
				b: func(b *baseline.Baseline) {
					b.Plaintext.Allow = []baseline.PlaintextAllow{{Resource: "orders-*", Variable: "DB_*"}}
				}},
			{name: "allowed elsewhere only", r: fnRes(map[string]string{"GH": ghToken}), want: NonCompliant, has: []string{"GH (GitHub token)"},
				b: func(b *baseline.Baseline) {
					b.Plaintext.Allow = []baseline.PlaintextAllow{{Resource: "billing", Variable: "GH"}}
				}},
			{name: "env unreadable", r: fnRes(nil, func(r *workload.Resource) { r.Function.EnvError = "KMSAccessDeniedException" }), want: NotApplicable, has: []string{"KMSAccessDenied"}},
			{name: "waived by tag", r: fnRes(map[string]string{"GH": ghToken}, func(r *workload.Resource) {
				r.Tags = map[string]string{"secretguard:waive:no-plaintext-lambda-env": "2025-07-01 migrating in SEC-9"}
			}), want: NotApplicable, has: []string{"Waived until 2025-07-01: migrating in SEC-9"}},
			{name: "many hits", r: fnRes(manyLeaks(20)), want: NonCompliant, has: []string{"20 variables", "+17 more"}},
		},
		baseline.CheckNoPlaintextECSEnv: {
			{name: "clean", r: tdRes(container("app", "LOG_LEVEL", "info"), container("sidecar")), want: Compliant, has: []string{"1 environment entry in 2 containers"}},
			{name: "leak", r: tdRes(container("app", "DATABASE_URL", leakURL), container("worker", "SLACK", "xoxb-"+"1234567890-abcdefghij")), want: NonCompliant,
				has: []string{"app/DATABASE_URL (URL with a password)", "worker/SLACK (Slack token)"}},
			{name: "allowed by container", r: tdRes(container("app", "DATABASE_URL", leakURL)), want: Compliant,
				b: func(b *baseline.Baseline) {
					b.Plaintext.Allow = []baseline.PlaintextAllow{{Resource: "orders", Variable: "app/DATABASE_URL"}}
				}},
			{name: "truncated", r: func() *workload.Resource {
				r := tdRes(container("c"))
				r.Problem = "only the first 100 of 300 containers were checked"
				return r
			}(), want: NotApplicable, has: []string{"first 100 of 300"}},
		},
		baseline.CheckNoPlaintextParams: {
			{name: "clean", r: acctRes(params(workload.Parameter{Name: "/app/flags", Type: "StringList", Value: "a,b"})), want: Compliant, has: []string{"1 parameter, none"}},
			{name: "string password", r: acctRes(params(workload.Parameter{Name: "/app/db/password", Type: "String", Value: "hunter2x"})), want: NonCompliant,
				has: []string{"/app/db/password (value under a credential-like name)"}},
			{name: "string token value", r: acctRes(params(workload.Parameter{Name: "/app/config", Type: "String", Value: ghToken})), want: NonCompliant,
				has: []string{"/app/config (GitHub token)"}},
			{name: "reference", r: acctRes(params(workload.Parameter{Name: "/app/db/password", Type: "String", Value: "{{resolve:secretsmanager:db}}"})), want: Compliant},
			{name: "securestring db advisory", r: acctRes(params(workload.Parameter{Name: "/prod/db/master-password", Type: "SecureString"})), want: Compliant,
				has: []string{"Advisory: 1 parameter SecureString holds database credentials by name (/prod/db/master-password)"}},
			{name: "allowed", r: acctRes(params(workload.Parameter{Name: "/app/db/password", Type: "String", Value: "hunter2x"})), want: Compliant,
				b: func(b *baseline.Baseline) {
					b.Plaintext.Allow = []baseline.PlaintextAllow{{Resource: "/app/db/*", Variable: "*"}}
				}},
			{name: "unknown", r: acctRes(func(*workload.Account) {}), want: NotApplicable},
			{name: "waived by account", r: acctRes(params(workload.Parameter{Name: "/app/db/password", Type: "String", Value: "hunter2x"})), want: NotApplicable,
				b: func(b *baseline.Baseline) {
					b.Waivers.Accounts = map[string]map[string]string{acct: {baseline.CheckNoPlaintextParams: "2025-12-31 legacy stack"}}
				}, has: []string{"Waived until 2025-12-31: legacy stack"}},
		},
		baseline.CheckCloudTrailReads: {
			{name: "all events", r: acctRes(withTrails(trail("main"))), want: Compliant, has: []string{"Trail main records"}},
			{name: "no selectors", r: acctRes(withTrails(trail("main", func(t *workload.Trail) { t.Selectors = nil }))), want: Compliant},
			{name: "multi-region from elsewhere", r: acctRes(withTrails(trail("org", func(t *workload.Trail) { t.HomeRegion, t.MultiRegion = "eu-west-1", true }))), want: Compliant},
			{name: "no trail", r: acctRes(withTrails()), want: NonCompliant, has: []string{"No CloudTrail trail covers us-east-1"}},
			{name: "not logging", r: acctRes(withTrails(trail("main", func(t *workload.Trail) { t.Logging = false }))), want: NonCompliant, has: []string{"main is not logging"}},
			{name: "write only", r: acctRes(withTrails(trail("main", func(t *workload.Trail) { t.Selectors[0].ReadWriteType = "WriteOnly" }))), want: NonCompliant, has: []string{"main logs no management read events"}},
			{name: "excluded source", r: acctRes(withTrails(trail("main", func(t *workload.Trail) {
				t.Selectors[0].ExcludeManagementEventSources = []string{"secretsmanager.amazonaws.com"}
			}))), want: NonCompliant},
			{name: "advanced management", r: acctRes(withTrails(trail("adv", adv(workload.FieldSelector{Field: "eventCategory", Equals: []string{"Management"}})))), want: Compliant},
			{name: "advanced excludes reads", r: acctRes(withTrails(trail("adv", adv(
				workload.FieldSelector{Field: "eventCategory", Equals: []string{"Management"}},
				workload.FieldSelector{Field: "readOnly", Equals: []string{"false"}})))), want: NonCompliant, has: []string{"advanced selectors"}},
			{name: "advanced excludes source", r: acctRes(withTrails(trail("adv", adv(
				workload.FieldSelector{Field: "eventCategory", Equals: []string{"Management"}},
				workload.FieldSelector{Field: "eventSource", NotEquals: []string{"secretsmanager.amazonaws.com", "kms.amazonaws.com"}})))), want: NonCompliant},
			{name: "advanced excludes other source", r: acctRes(withTrails(trail("adv", adv(
				workload.FieldSelector{Field: "eventCategory", Equals: []string{"Management"}},
				workload.FieldSelector{Field: "eventSource", NotEquals: []string{"kms.amazonaws.com"}},
				workload.FieldSelector{Field: "userIdentity.arn", NotStartsWith: []string{"arn:aws:sts::111122223333:assumed-role/noisy"}})))), want: Compliant},
			{name: "advanced data only", r: acctRes(withTrails(trail("adv", adv(workload.FieldSelector{Field: "eventCategory", Equals: []string{"Data"}})))), want: NonCompliant},
			{name: "other region", r: acctRes(withTrails(trail("eu", func(t *workload.Trail) { t.HomeRegion = "eu-west-1" }))), want: NonCompliant, has: []string{"eu is in eu-west-1"}},
			{name: "unknown", r: acctRes(func(*workload.Account) {}), want: NotApplicable},
		},
		baseline.CheckVPCEndpoint: {
			{name: "covered", r: acctRes(cover("vpc-1", "vpc-2")), want: Compliant, has: []string{"2 VPCs with workloads have a com.amazonaws.us-east-1.secretsmanager endpoint"}},
			{name: "no workloads", r: acctRes(func(a *workload.Account) { a.NetworkKnown = true }), want: Compliant},
			{name: "missing", r: acctRes(cover("vpc-1")), want: NonCompliant, has: []string{"no com.amazonaws.us-east-1.secretsmanager endpoint in vpc-2 (web)"}},
			{name: "no dns", r: acctRes(func(a *workload.Account) {
				cover("vpc-1", "vpc-2")(a)
				a.Endpoints[0].PrivateDNSEnabled = false
			}), want: NonCompliant, has: []string{"private DNS off on the endpoint of vpc-1"}},
			{name: "deleted endpoint", r: acctRes(func(a *workload.Account) {
				cover("vpc-1", "vpc-2")(a)
				a.Endpoints[1].State = "deleted"
			}), want: NonCompliant, has: []string{"vpc-2"}},
			{name: "unknown", r: acctRes(func(*workload.Account) {}), want: NotApplicable},
		},
		baseline.CheckCaching: {
			{name: "quiet", r: acctRes(hourly(10, 20, 900)), want: Compliant, has: []string{"peaked at 900"}},
			{name: "burst", r: acctRes(hourly(5000, 10, 5000)), want: Compliant},
			{name: "sustained", r: acctRes(hourly(1200, 1500, 1100, 999)), want: NonCompliant, has: []string{"above 1000 calls/hour in 3 of the last 24 hours (peak 1500)", "BatchGetSecretValue"}},
			{name: "unknown", r: acctRes(func(*workload.Account) {}), want: NotApplicable},
		},
	}
}

func manyLeaks(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("TOKEN_%02d", i)] = ghToken
	}
	return m
}
