package scan

import (
	"context"
	"time"

	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/secret"
)

// Result is the verdict of one check on one secret, or on one workload or
// account (ResourceType set, SecretARN and SecretName empty). Its JSON form
// is the stable contract of `secretguard scan --output json`; fields are
// only ever added.
type Result struct {
	SecretARN  string `json:"secretArn"`
	SecretName string `json:"secretName"`
	// ResourceType, ResourceID, ResourceARN and ResourceName identify the
	// workload or account of a resource check (AWS::Lambda::Function,
	// AWS::ECS::TaskDefinition, AWS::::Account); absent for secrets.
	ResourceType string            `json:"resourceType,omitempty"`
	ResourceID   string            `json:"resourceId,omitempty"`
	ResourceARN  string            `json:"resourceArn,omitempty"`
	ResourceName string            `json:"resourceName,omitempty"`
	Region       string            `json:"region"`
	AccountID    string            `json:"accountId"`
	Check        string            `json:"check"`
	Compliance   checks.Compliance `json:"compliance"`
	Annotation   string            `json:"annotation"`
	Remedy       string            `json:"remedy,omitempty"`
	Mode         string            `json:"mode"`
	Waived       bool              `json:"waived,omitempty"`
	// Incomplete is set when the verdict is NOT_APPLICABLE because data the
	// check needs could not be read (the secret is counted as a problem).
	Incomplete  bool      `json:"incomplete,omitempty"`
	EvaluatedAt time.Time `json:"evaluatedAt"`
	// Fix is the recipe for a NON_COMPLIANT workload or account finding.
	Fix string `json:"fix,omitempty"`
}

// Subject is what a result is about: the secret's ARN, else the
// resource's ARN, else its ID (an account).
func (r Result) Subject() string {
	switch {
	case r.SecretARN != "":
		return r.SecretARN
	case r.ResourceARN != "":
		return r.ResourceARN
	}
	return r.ResourceID
}

// SubjectName names what a result is about for people.
func (r Result) SubjectName() string {
	if r.SecretName != "" {
		return r.SecretName
	}
	if r.ResourceType == "AWS::::Account" {
		return "account " + r.ResourceID
	}
	return r.ResourceName
}

// Scanner evaluates secrets with a set of checks under a baseline.
type Scanner struct {
	Observer *secret.Observer
	Baseline *baseline.Baseline
	Checks   []checks.Check
	Now      func() time.Time
}

func (s *Scanner) now() time.Time { return clock(s.Now) }

// clock reads now, else the current time in UTC.
func clock(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now().UTC()
}

// Needs returns what the Observer must fetch for the scanner's checks:
// the policy only when a check reads it, and DescribeSecret only for secrets
// that must be replicated.
func (s *Scanner) Needs() secret.Needs {
	n := checks.NeedsOf(s.Checks)
	out := secret.Needs{Policy: n.Policy}
	if n.Replicas {
		b := s.Baseline
		out.Replicas = func(sn *secret.Snapshot) bool { return checks.ShouldReplicate(sn, b) }
	}
	return out
}

// Evaluate runs every check of the scanner on one Snapshot.
func (s *Scanner) Evaluate(sn *secret.Snapshot) []Result {
	return Evaluate(sn, s.Checks, s.Baseline, s.now())
}

// Evaluate runs the checks on one Snapshot at time now.
func Evaluate(sn *secret.Snapshot, cs []checks.Check, b *baseline.Baseline, now time.Time) []Result {
	out := make([]Result, 0, len(cs))
	for _, c := range cs {
		var f checks.Finding
		incomplete := false
		switch {
		case sn.Gone:
			f = checks.Finding{Check: c.ID(), Compliance: checks.NotApplicable,
				Annotation: "The secret was deleted while it was being evaluated."}
		default:
			f = checks.Evaluate(c, sn, b, now)
			incomplete = f.Compliance == checks.NotApplicable && sn.Problem != "" && lacked(c, sn, f)
		}
		out = append(out, Result{
			SecretARN: sn.ARN, SecretName: sn.Name, Region: sn.Region, AccountID: sn.AccountID,
			Check: c.ID(), Compliance: f.Compliance, Annotation: f.Annotation, Remedy: f.Remedy,
			Mode: b.Mode(c.ID()), Waived: f.Waived, Incomplete: incomplete, EvaluatedAt: now,
		})
	}
	return out
}

// lacked reports whether a NOT_APPLICABLE finding is owed to data the
// Snapshot lacks. A verdict that needs no data is not: a valid waiver, a
// secret scheduled for deletion, and a replica for a check evaluated on the
// primary are not applicable whatever the missing data would have said.
func lacked(c checks.Check, sn *secret.Snapshot, f checks.Finding) bool {
	if f.Waived || sn.ScheduledForDeletion() || (sn.IsReplica() && !c.AppliesToReplicas()) {
		return false
	}
	n := c.Needs()
	return (n.Policy && !sn.PolicyKnown) || (n.Replicas && !sn.ReplicasKnown)
}

// Secret observes and evaluates one secret by ARN or name.
func (s *Scanner) Secret(ctx context.Context, id string) (*secret.Snapshot, []Result, error) {
	sn, err := s.Observer.Secret(ctx, id, s.Needs())
	if err != nil {
		return nil, nil, err
	}
	return sn, s.Evaluate(sn), nil
}

// Page is one page of a sweep with its results.
type Page struct {
	secret.Page
	Results []Result
}

// Sweep evaluates every secret the Observer lists, page by page, calling
// fn once per page in order.
func (s *Scanner) Sweep(ctx context.Context, opts secret.SweepOptions, fn func(Page) error) (secret.Stats, error) {
	return s.Observer.Sweep(ctx, opts, s.Needs(), func(p secret.Page) error {
		out := Page{Page: p}
		now := s.now()
		for _, sn := range p.Snapshots {
			out.Results = append(out.Results, Evaluate(sn, s.Checks, s.Baseline, now)...)
		}
		return fn(out)
	})
}

// Summary counts results by compliance.
type Summary struct {
	Secrets int `json:"secrets"`
	// Resources counts workloads and accounts evaluated.
	Resources     int            `json:"resources"`
	Compliant     int            `json:"compliant"`
	NonCompliant  int            `json:"nonCompliant"`
	NotApplicable int            `json:"notApplicable"`
	Incomplete    int            `json:"incomplete"`
	ByCheck       map[string]int `json:"nonCompliantByCheck"`
}

// Add counts results into the summary.
func (m *Summary) Add(rs []Result) {
	if m.ByCheck == nil {
		m.ByCheck = map[string]int{}
	}
	for _, r := range rs {
		switch r.Compliance {
		case checks.Compliant:
			m.Compliant++
		case checks.NonCompliant:
			m.NonCompliant++
			m.ByCheck[r.Check]++
		default:
			m.NotApplicable++
		}
		if r.Incomplete {
			m.Incomplete++
		}
	}
}
