package scan

import (
	"context"
	"fmt"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/workload"
)

// EvaluateResource runs the resource checks that apply to r's type at
// time now. A NON_COMPLIANT result carries the check's fix recipe; a
// NOT_APPLICABLE one owed to data that could not be read is Incomplete.
func EvaluateResource(r *workload.Resource, cs []checks.ResourceCheck, b *baseline.Baseline, now time.Time) []Result {
	var out []Result
	for _, c := range cs {
		if c.ResourceType() != r.Type {
			continue
		}
		f := checks.EvaluateResource(c, r, b, now)
		res := Result{
			ResourceType: r.Type, ResourceID: r.ID, ResourceARN: r.ARN, ResourceName: r.Name,
			Region: r.Region, AccountID: r.AccountID,
			Check: c.ID(), Compliance: f.Compliance, Annotation: f.Annotation, Remedy: f.Remedy,
			Mode: b.Mode(c.ID()), Waived: f.Waived, EvaluatedAt: now,
			Incomplete: f.Compliance == checks.NotApplicable && r.Problem != "" && !f.Waived && !r.Gone,
		}
		if f.Compliance == checks.NonCompliant {
			res.Fix = c.Fix(r)
		}
		out = append(out, res)
	}
	return out
}

// ResourceObserver reads workloads and account settings in one account and
// Region: observe.Observer, declared here so that what only evaluates
// (and the remediator, which links scan) does not link its SDK clients.
type ResourceObserver interface {
	Functions(ctx context.Context, fn func([]*workload.Resource) error) error
	TaskDefinitions(ctx context.Context, fn func([]*workload.Resource) error) error
	Function(ctx context.Context, id string) (*workload.Resource, error)
	TaskDefinition(ctx context.Context, id string) (*workload.Resource, error)
	Account(ctx context.Context, needs workload.AccountNeeds) (*workload.Resource, error)
}

// ResourceScanner evaluates workloads and account settings of one account
// and Region with a set of resource checks.
type ResourceScanner struct {
	Observer ResourceObserver
	Baseline *baseline.Baseline
	Checks   []checks.ResourceCheck
	Now      func() time.Time
}

func (s *ResourceScanner) now() time.Time { return clock(s.Now) }

// ResourcePage is one page of a resource sweep: the resources observed and
// their results.
type ResourcePage struct {
	Type      string
	Resources []*workload.Resource
	Results   []Result
}

// types reports which resource types the scanner's checks evaluate, and
// the account data they need.
func (s *ResourceScanner) types() (fn, td bool, needs workload.AccountNeeds) {
	for _, c := range s.Checks {
		switch c.ResourceType() {
		case workload.TypeFunction:
			fn = true
		case workload.TypeTaskDefinition:
			td = true
		case workload.TypeAccount:
			needs = needs.Merge(c.Needs())
		}
	}
	return fn, td, needs
}

// Sweep observes what the checks evaluate — every function, every ACTIVE
// task definition, the account — and calls fn once per page. Only a
// failed listing ends it early.
func (s *ResourceScanner) Sweep(ctx context.Context, fn func(ResourcePage) error) error {
	fns, tds, needs := s.types()
	page := func(typ string) func([]*workload.Resource) error {
		return func(rs []*workload.Resource) error {
			p := ResourcePage{Type: typ, Resources: rs}
			now := s.now()
			for _, r := range rs {
				p.Results = append(p.Results, EvaluateResource(r, s.Checks, s.Baseline, now)...)
			}
			return fn(p)
		}
	}
	if fns {
		if err := s.Observer.Functions(ctx, page(workload.TypeFunction)); err != nil {
			return err
		}
	}
	if tds {
		if err := s.Observer.TaskDefinitions(ctx, page(workload.TypeTaskDefinition)); err != nil {
			return err
		}
	}
	if needs.Any() {
		r, err := s.Observer.Account(ctx, needs)
		if err != nil {
			return err
		}
		if err := page(workload.TypeAccount)([]*workload.Resource{r}); err != nil {
			return err
		}
	}
	return nil
}

// Resource observes and evaluates one resource of type typ: a function by
// name or ARN, a task definition by ARN or family:revision, or the account
// (id ignored).
func (s *ResourceScanner) Resource(ctx context.Context, typ, id string) (*workload.Resource, []Result, error) {
	var r *workload.Resource
	var err error
	switch typ {
	case workload.TypeFunction:
		r, err = s.Observer.Function(ctx, id)
	case workload.TypeTaskDefinition:
		r, err = s.Observer.TaskDefinition(ctx, id)
	case workload.TypeAccount:
		_, _, needs := s.types()
		r, err = s.Observer.Account(ctx, needs)
	default:
		err = fmt.Errorf("resource type %s has no workload checks", typ)
	}
	if err != nil {
		return nil, nil, err
	}
	return r, EvaluateResource(r, s.Checks, s.Baseline, s.now()), nil
}
