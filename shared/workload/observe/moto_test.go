package observe_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/observe"
	"github.com/secretguard/secretguard/shared/workload/workloadtest"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

const region = "us-east-1"

func setup(t *testing.T) (*observe.Observer, *workloadtest.Seeder) {
	t.Helper()
	srv := motoserver.Start(t)
	srv.Reset(t)
	cfg := srv.Config(t, region)
	o := observe.New(cfg, motoserver.TestAccount)
	o.CloudWatch = &fakeCloudWatch{} // moto has no AWS/Usage metrics
	return o, workloadtest.New(t, cfg, srv.Endpoint)
}

func ctx(t *testing.T) context.Context { return workloadtest.Context(t) }

func TestFunctionsOnMoto(t *testing.T) {
	o, s := setup(t)
	net := s.VPC("10.1.0.0/16")
	s.Function("plain", nil, nil, nil, nil)
	s.Function("leaky", map[string]string{"DB_PASSWORD": "Tr0ub4dor&3", "LOG_LEVEL": "info"}, net.Subnets, []string{net.Group},
		map[string]string{"owner": "team-a"})
	var got []*workload.Resource
	if err := o.Functions(ctx(t), func(p []*workload.Resource) error { got = append(got, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d functions, want 2", len(got))
	}
	byName := map[string]*workload.Resource{}
	for _, r := range got {
		byName[r.Name] = r
		if r.Type != workload.TypeFunction || r.ID != r.Name || r.AccountID != motoserver.TestAccount || r.Region != region || r.Partition != "aws" {
			t.Errorf("resource %+v", r)
		}
	}
	plain, leaky := byName["plain"], byName["leaky"]
	if plain.Function.Env != nil || plain.Function.TagsKnown {
		t.Errorf("plain: env %v, tags read %v (no env: no ListTags)", plain.Function.Env, plain.Function.TagsKnown)
	}
	if names := []string{leaky.Function.Env[0].Name, leaky.Function.Env[1].Name}; !slices.Equal(names, []string{"DB_PASSWORD", "LOG_LEVEL"}) {
		t.Errorf("leaky env names %v", names)
	}
	if !leaky.Function.TagsKnown || leaky.Tags["owner"] != "team-a" {
		t.Errorf("leaky tags %v (known %v)", leaky.Tags, leaky.Function.TagsKnown)
	}
	// moto answers a fixed VpcId for every function; the subnets are real.
	if leaky.Function.VPCID == "" || !slices.Equal(leaky.Function.SubnetIDs, net.Subnets) {
		t.Errorf("leaky VPC %q subnets %v, want subnets %v", leaky.Function.VPCID, leaky.Function.SubnetIDs, net.Subnets)
	}
	one, err := o.Function(ctx(t), "leaky")
	if err != nil || one.ARN != leaky.ARN || one.Tags["owner"] != "team-a" || len(one.Function.Env) != 2 {
		t.Errorf("Function(leaky) = %+v, %v", one, err)
	}
	if _, err := o.Function(ctx(t), "nope"); !errors.Is(err, workload.ErrNotFound) {
		t.Errorf("Function(nope) err = %v, want ErrNotFound", err)
	}
}

func TestTaskDefinitionsOnMoto(t *testing.T) {
	o, s := setup(t)
	arn := s.TaskDefinition("orders", []workloadtest.Container{
		{Name: "app", Env: map[string]string{"DATABASE_URL": "postgres://app:" + "s3cr3t-Pw@db/x"},
			Secrets: map[string]string{"API_TOKEN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf"}},
		{Name: "sidecar"},
	}, map[string]string{"owner": "team-b"})
	// Hundreds of containers: bounded, and said so.
	var many []workloadtest.Container
	for i := range 120 {
		many = append(many, workloadtest.Container{Name: fmt.Sprintf("c%03d", i), Env: map[string]string{"N": "1"}})
	}
	s.TaskDefinition("huge", many, nil)
	var got []*workload.Resource
	if err := o.TaskDefinitions(ctx(t), func(p []*workload.Resource) error { got = append(got, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d task definitions, want 2", len(got))
	}
	var orders, huge *workload.Resource
	for _, r := range got {
		switch r.TaskDefinition.Family {
		case "orders":
			orders = r
		case "huge":
			huge = r
		}
	}
	if orders == nil || huge == nil {
		t.Fatalf("families: %+v", got)
	}
	if orders.ARN != arn || orders.ID != arn || orders.Name != "orders:1" || orders.Tags["owner"] != "team-b" {
		t.Errorf("orders = %+v", orders)
	}
	app := orders.TaskDefinition.Containers[0]
	if app.Name != "app" || app.Secrets != 1 || len(app.Env) != 1 || app.Env[0].Name != "DATABASE_URL" {
		t.Errorf("app container %+v", app)
	}
	if len(huge.TaskDefinition.Containers) != workload.MaxContainers || !strings.Contains(huge.Problem, "first 100 of 120") {
		t.Errorf("huge: %d containers, problem %q", len(huge.TaskDefinition.Containers), huge.Problem)
	}
	if _, err := o.TaskDefinition(ctx(t), "missing:9"); !errors.Is(err, workload.ErrNotFound) {
		t.Errorf("TaskDefinition(missing) err = %v", err)
	}
}

func TestAccountOnMoto(t *testing.T) {
	o, s := setup(t)
	covered, bare := s.VPC("10.1.0.0/16"), s.VPC("10.2.0.0/16")
	s.Endpoint(covered, workload.EndpointServiceName("aws", region), true)
	s.Endpoint(covered, "com.amazonaws."+region+".s3", false) // another service: ignored
	s.Function("in-covered", nil, covered.Subnets, []string{covered.Group}, nil)
	td := s.TaskDefinition("web", []workloadtest.Container{{Name: "web"}}, nil)
	s.Service("main", "web", td, bare)
	s.Trail(workloadtest.Trail{Name: "org", MultiRegion: true, Logging: true,
		Selectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeAll, IncludeManagementEvents: aws.Bool(true)}}})
	s.Trail(workloadtest.Trail{Name: "writes", Logging: false})
	s.Parameter("/app/db/password", "String", "Tr0ub4dor&3")
	s.Parameter("/app/db/master-password", "SecureString", "never-read-Xy9")
	s.Parameter("/app/flags", "StringList", "a,b")

	r, err := o.Account(ctx(t), workload.AccountNeeds{Trails: true, Network: true, Usage: true, Parameters: true})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Account
	if r.Type != workload.TypeAccount || r.ID != motoserver.TestAccount || r.Problem != "" {
		t.Fatalf("resource %+v", r)
	}
	if !a.TrailsKnown || len(a.Trails) != 2 {
		t.Fatalf("trails %+v", a.Trails)
	}
	for _, tr := range a.Trails {
		switch tr.Name {
		case "org":
			if !tr.MultiRegion || !tr.Logging || !tr.StatusKnown || !tr.SelectorsKnown || len(tr.Selectors) != 1 || tr.Selectors[0].ReadWriteType != "All" {
				t.Errorf("org trail %+v", tr)
			}
		case "writes":
			if tr.Logging || !tr.StatusKnown {
				t.Errorf("writes trail %+v", tr)
			}
		}
	}
	if !a.NetworkKnown || len(a.VPCs) != 2 {
		t.Fatalf("VPCs %+v", a.VPCs)
	}
	for _, v := range a.VPCs {
		if v.ID != covered.VPC && v.ID != bare.VPC {
			t.Errorf("VPC %s is neither seeded VPC", v.ID)
		}
		switch v.ID {
		case covered.VPC:
			if !slices.Equal(v.Functions, []string{"in-covered"}) {
				t.Errorf("covered VPC %+v", v)
			}
		case bare.VPC:
			if !slices.Equal(v.Services, []string{"web"}) {
				t.Errorf("bare VPC %+v", v)
			}
		}
	}
	if len(a.Endpoints) != 1 || a.Endpoints[0].VPCID != covered.VPC || !a.Endpoints[0].PrivateDNSEnabled {
		t.Errorf("endpoints %+v", a.Endpoints)
	}
	if !a.UsageKnown || len(a.Usage.Hourly) != 24 || a.Usage.Hourly[23] != 120 {
		t.Errorf("usage %+v", a.Usage)
	}
	if !a.ParametersKnown || len(a.Parameters) != 3 {
		t.Fatalf("parameters %v", a.Parameters)
	}
	for _, p := range a.Parameters {
		switch p.Name {
		case "/app/db/password":
			if p.Value != "Tr0ub4dor&3" || p.Type != "String" {
				t.Errorf("%v: value not read", p)
			}
		case "/app/db/master-password":
			if p.Value != "" || p.Type != "SecureString" {
				t.Errorf("%v: a SecureString value was read", p)
			}
		}
	}
	if s := fmt.Sprintf("%v %+v %#v", a.Parameters, a.Parameters, a.Parameters); strings.Contains(s, "Tr0ub") {
		t.Errorf("fmt shows a parameter value: %s", s)
	}
}

func TestAccountPartsFailAlone(t *testing.T) {
	o, _ := setup(t)
	o.CloudWatch = &fakeCloudWatch{err: errors.New("boom")}
	r, err := o.Account(ctx(t), workload.AccountNeeds{Trails: true, Usage: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Account.TrailsKnown || r.Account.UsageKnown || !strings.Contains(r.Problem, "usage: cloudwatch GetMetricData: boom") {
		t.Errorf("account %+v, problem %q", r.Account, r.Problem)
	}
	if r.Account.NetworkKnown || r.Account.ParametersKnown {
		t.Error("read what was not needed")
	}
}

func TestEnvironmentBounds(t *testing.T) {
	o, s := setup(t)
	env := map[string]string{}
	for i := range 150 {
		env[fmt.Sprintf("V%03d", i)] = strings.Repeat("x", 20)
	}
	s.Function("wide", env, nil, nil, nil)
	r, err := o.Function(ctx(t), "wide")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Function.Env) != 150 || r.Function.Env[0].Name != "V000" {
		t.Errorf("%d vars, first %v", len(r.Function.Env), r.Function.Env[0])
	}
}

// TestChecksActionsDeclared: every action a resource check declares is one
// the Observer declares (and so one infra grants).
func TestChecksActionsDeclared(t *testing.T) {
	for _, c := range checks.AllResource() {
		for _, a := range c.IAMActions() {
			if !slices.Contains(observe.IAMActions, a) {
				t.Errorf("%s: action %s is not one the Observer declares", c.ID(), a)
			}
		}
	}
}
