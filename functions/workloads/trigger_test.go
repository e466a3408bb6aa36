package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/secretguard/secretguard/shared/dispatch"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/testutil/samples"
)

// TestSamplesDecode decodes every sample in events/workloads and fails on
// a file the table does not know: each resource request is served here,
// each secret reconcile left to the remediator.
func TestSamplesDecode(t *testing.T) {
	type want struct {
		kind     string
		bad      string // part of the error
		skip     string // part of the reason this function skips it
		resource *engine.ResourceRequest
	}
	vpc := func(trigger string, dryRun bool) *engine.ResourceRequest {
		return &engine.ResourceRequest{Check: "vpc-endpoint", ResourceType: "AWS::::Account", ResourceID: member, AccountID: member,
			Region: region, Trigger: trigger, DryRun: dryRun}
	}
	lambdaEnv := func(trigger string) *engine.ResourceRequest {
		return &engine.ResourceRequest{Check: "no-plaintext-lambda-env", ResourceType: "AWS::Lambda::Function", ResourceID: "payments-webhook",
			AccountID: member, Region: region, Trigger: trigger}
	}
	cases := map[string]want{
		"config-vpc-endpoint-noncompliant.json": {kind: dispatch.KindConfig, resource: vpc("config:secretguard-vpc-endpoint", false)},
		"config-vpc-endpoint-compliant.json":    {kind: dispatch.KindConfig, resource: vpc("config:secretguard-vpc-endpoint", false)},
		"config-lambda-env-noncompliant.json":   {kind: dispatch.KindConfig, resource: lambdaEnv("config:secretguard-no-plaintext-lambda-env")},
		"config-secret-rule.json":               {kind: dispatch.KindConfig, skip: "secretguard-remediator serves secret reconciles"},
		"direct-vpc-endpoint.json":              {kind: dispatch.KindDirect, resource: vpc("direct", true)},
		"direct-lambda-env.json":                {kind: dispatch.KindDirect, resource: lambdaEnv("direct")},
		"malformed-not-json.json":               {kind: dispatch.KindInvalid, bad: "not a JSON object"},
		"malformed-config-no-resource.json":     {kind: dispatch.KindConfig, bad: "rule secretguard-vpc-endpoint without resourceId"},
		"malformed-direct-unknown-field.json":   {kind: dispatch.KindDirect, bad: `unknown field "resourceArn" (want {"resource": {"check"`},
		"malformed-direct-unknown-check.json":   {kind: dispatch.KindDirect, bad: `resource.check "vpc-endpoints" is not a workload or account check`},
		"malformed-direct-secret-check.json":    {kind: dispatch.KindDirect, bad: `resource.check "rotation-enabled" is a secret check: ask secretguard-remediator`},
		"malformed-direct-bad-account.json":     {kind: dispatch.KindDirect, bad: `resource.accountId "1111-2222-3333" is not a 12-digit account ID`},
		"malformed-direct-bad-region.json":      {kind: dispatch.KindDirect, bad: `resource.region "Ireland" is not a Region`},
		"malformed-direct-no-resource-id.json":  {kind: dispatch.KindDirect, bad: "resource.resourceId is missing: check no-plaintext-lambda-env evaluates a AWS::Lambda::Function"},
	}
	samples.Each(t, sampleDir, cases, []string{"sqs-batch.json"}, func(t *testing.T, payload []byte, w want) { // sqs-batch: TestHandleSQSBatch
		tr, err := dispatch.Decode(payload)
		if tr.Kind != w.kind {
			t.Errorf("kind %q, want %q", tr.Kind, w.kind)
		}
		if w.bad != "" {
			if !errors.Is(err, dispatch.ErrBadEvent) || !strings.Contains(err.Error(), w.bad) {
				t.Errorf("error %v, want one containing %q", err, w.bad)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		skip := first(tr.Skip, dispatch.ResourceChecks.Skip(tr))
		if w.skip != "" {
			if !strings.Contains(skip, w.skip) {
				t.Errorf("skip %q, want %q", skip, w.skip)
			}
			return
		}
		if skip != "" || tr.Resource == nil || *tr.Resource != *w.resource {
			t.Errorf("resource request %+v (skip %q), want %+v", tr.Resource, skip, w.resource)
		}
		if why := dispatch.Secrets.Skip(tr); !strings.Contains(why, "secretguard-workloads serves it") {
			t.Errorf("the remediator does not leave it to workloads: %q", why)
		}
	})
}

// TestDecodeResourceRequest: the direct request form of the workload and
// account checks, decoded strictly.
func TestDecodeResourceRequest(t *testing.T) {
	tests := []struct {
		name, body string
		want       *engine.ResourceRequest // nil: bad
		bad        string
		noDryRun   bool
	}{
		{name: "account check: resourceId is the account",
			body: `{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}}`,
			want: &engine.ResourceRequest{Check: "vpc-endpoint", ResourceType: "AWS::::Account", ResourceID: member, AccountID: member, Region: "eu-west-1", Trigger: "direct"}},
		{name: "account check with its own account as resourceId, dry run",
			body: `{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1", "resourceId": "111122223333"}, "dryRun": true}`,
			want: &engine.ResourceRequest{Check: "vpc-endpoint", ResourceType: "AWS::::Account", ResourceID: member, AccountID: member, Region: "eu-west-1", Trigger: "direct", DryRun: true}},
		{name: "dryRun false is noted",
			body:     `{"resource": {"check": "caching", "accountId": "111122223333", "region": "ap-southeast-2"}, "dryRun": false}`,
			want:     &engine.ResourceRequest{Check: "caching", ResourceType: "AWS::::Account", ResourceID: member, AccountID: member, Region: "ap-southeast-2", Trigger: "direct"},
			noDryRun: true},
		{name: "function check",
			body: `{"resource": {"check": "no-plaintext-lambda-env", "accountId": "111122223333", "region": "us-east-1", "resourceId": "payments-webhook"}}`,
			want: &engine.ResourceRequest{Check: "no-plaintext-lambda-env", ResourceType: "AWS::Lambda::Function", ResourceID: "payments-webhook", AccountID: member, Region: "us-east-1", Trigger: "direct"}},
		{name: "task definition check",
			body: `{"resource": {"check": "no-plaintext-ecs-env", "accountId": "111122223333", "region": "us-east-1", "resourceId": "arn:aws:ecs:us-east-1:111122223333:task-definition/orders:7"}}`,
			want: &engine.ResourceRequest{Check: "no-plaintext-ecs-env", ResourceType: "AWS::ECS::TaskDefinition", ResourceID: "arn:aws:ecs:us-east-1:111122223333:task-definition/orders:7",
				AccountID: member, Region: "us-east-1", Trigger: "direct"}},
		{name: "unknown field", body: `{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1", "force": true}}`,
			bad: `unknown field "force" (want {"resource": {"check": ..., "accountId": ..., "region": ..., "resourceId": ...}, "dryRun": bool})`},
		{name: "unknown top-level field", body: `{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}, "dryrun": true}`,
			bad: `unknown field "dryrun"`},
		{name: "field name in another case", body: `{"resource": {"check": "vpc-endpoint", "accountID": "111122223333", "region": "eu-west-1"}}`,
			bad: `unknown field "accountID" in resource (field names are case-sensitive: check, accountId, region, resourceId)`},
		{name: "wrong type", body: `{"resource": "vpc-endpoint"}`, bad: `cannot unmarshal string`},
		{name: "no check", body: `{"resource": {"accountId": "111122223333", "region": "eu-west-1"}}`, bad: "resource.check is missing"},
		{name: "unknown check", body: `{"resource": {"check": "vpc-endpoints", "accountId": "111122223333", "region": "eu-west-1"}}`,
			bad: `resource.check "vpc-endpoints" is not a workload or account check (no-plaintext-lambda-env, `},
		{name: "secret check", body: `{"resource": {"check": "cmk", "accountId": "111122223333", "region": "eu-west-1"}}`,
			bad: `resource.check "cmk" is a secret check`},
		{name: "short account", body: `{"resource": {"check": "vpc-endpoint", "accountId": "11112222333", "region": "eu-west-1"}}`,
			bad: `resource.accountId "11112222333" is not a 12-digit account ID`},
		{name: "no account", body: `{"resource": {"check": "vpc-endpoint", "region": "eu-west-1"}}`,
			bad: `resource.accountId "" is not a 12-digit account ID`},
		{name: "bad region", body: `{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west"}}`,
			bad: `resource.region "eu-west" is not a Region`},
		{name: "no region", body: `{"resource": {"check": "vpc-endpoint", "accountId": "111122223333"}}`,
			bad: `resource.region "" is not a Region`},
		{name: "function check without resourceId", body: `{"resource": {"check": "no-plaintext-lambda-env", "accountId": "111122223333", "region": "eu-west-1"}}`,
			bad: "resource.resourceId is missing: check no-plaintext-lambda-env evaluates a AWS::Lambda::Function; name it (the function's name)"},
		{name: "account check with another account", body: `{"resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1", "resourceId": "444455556666"}}`,
			bad: `resource.resourceId "444455556666": check vpc-endpoint evaluates the account`},
		{name: "resource beside secretId", body: `{"secretId": "app", "resource": {"check": "vpc-endpoint", "accountId": "111122223333", "region": "eu-west-1"}}`,
			bad: "a resource request takes no secretId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := dispatch.Decode([]byte(tt.body))
			if tr.Kind != dispatch.KindDirect {
				t.Errorf("kind %q", tr.Kind)
			}
			if tt.want == nil {
				if !errors.Is(err, dispatch.ErrBadEvent) || !strings.Contains(err.Error(), tt.bad) {
					t.Errorf("error %v, want one containing %q", err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tr.Resource == nil || *tr.Resource != *tt.want || tr.Request != nil || tr.Sweep != nil || tr.NoDryRun != tt.noDryRun {
				t.Errorf("trigger %+v resource %+v, want %+v (noDryRun %v)", tr, tr.Resource, tt.want, tt.noDryRun)
			}
		})
	}
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
