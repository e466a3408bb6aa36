package tickets

import (
	"context"

	"github.com/secretguard/secretguard/shared/outcome"
)

// Sink is one place where tickets live. The Tracker calls it at most once
// per event and remembers the ref it returns (an OpsItem ID, a Jira key,
// ...) in DynamoDB; every method must be safe to repeat after a failure.
type Sink interface {
	// Name identifies the sink in state and logs (baseline tickets.sinks[].name).
	Name() string
	// Accepts reports whether tickets of this severity go to the sink.
	Accepts(outcome.Severity) bool
	// Open opens a ticket and returns its ref. prev is the ref of the
	// ticket resolved earlier for the same key, if any.
	Open(ctx context.Context, prev string, t *Ticket) (ref string, err error)
	// Update adds the changed finding to the open ticket ref.
	Update(ctx context.Context, ref string, t *Ticket) (string, error)
	// Resolve resolves the ticket ref with a comment.
	Resolve(ctx context.Context, ref string, t *Ticket) (string, error)
	// Permissions are the IAM permissions the sink needs.
	Permissions() []Permission
}

// Permission is one IAM statement a sink needs: the notifier's role must
// allow Actions on Resources (placeholders ${Partition}, ${Region} and
// ${AccountId} stand for the notifier's own).
type Permission struct {
	Actions   []string
	Resources []string
}

// base holds what every sink shares.
type base struct {
	name string
	min  outcome.Severity
}

func (b base) Name() string { return b.name }

func (b base) Accepts(s outcome.Severity) bool {
	return severityRank(s) >= severityRank(b.min)
}

func newBase(name, defaultName string, min outcome.Severity) base {
	if name == "" {
		name = defaultName
	}
	if min == "" {
		min = outcome.SeverityLow
	}
	return base{name: name, min: min}
}
