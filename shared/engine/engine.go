package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/outcome"
	"github.com/secretguard/secretguard/shared/remedies"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// SecretsAPI is what the engine calls on Secrets Manager: the Observer's
// reads and the remedies' writes (*secretsmanager.Client has both).
type SecretsAPI interface {
	secret.SecretsAPI
	remedies.SecretsAPI
}

// EventsAPI sends secretguard events.
type EventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Ledger is the part of *ledger.Store the engine uses.
type Ledger interface {
	Claim(ctx context.Context, secretARN, check, stateHash, owner string, now time.Time) (bool, error)
	Latest(ctx context.Context, secretARN string) (map[string]ledger.Latest, error)
	SetLatest(ctx context.Context, secretARN string, l ledger.Latest, onlyIfChanged bool) (bool, error)
	Record(ctx context.Context, e *ledger.Entry, latest *ledger.Latest) error
	Get(ctx context.Context, id string) (*ledger.Entry, error)
	MarkUndone(ctx context.Context, id, by string, now time.Time) error
}

var (
	_ SecretsAPI = (*secretsmanager.Client)(nil)
	_ EventsAPI  = (*eventbridge.Client)(nil)
	_ Ledger     = (*ledger.Store)(nil)
)

// Engine reconciles secrets. Build one per process; it is safe for
// concurrent use. Each Lambda invocation (or CLI run) starts an Invocation,
// which carries the change cap.
type Engine struct {
	Baseline *baseline.Baseline
	// Checks are the checks to reconcile (nil: all).
	Checks []checks.Check
	// Accounts hands out configs per account and Region (*awsenv.Roles);
	// RoleName is the role assumed in other accounts.
	Accounts awsenv.Accounts
	RoleName string
	// NewSecrets and NewKMS build clients from a config (default: the SDK
	// clients). Tests pass fakes.
	NewSecrets func(aws.Config) SecretsAPI
	NewKMS     func(aws.Config) remedies.KMSAPI
	// NewWorkload builds the observer of workload and account checks for
	// an account (observe.New in the workloads function). Nil: this engine
	// does not handle those checks (ReconcileResource fails), and the
	// binary does not link their SDK clients.
	NewWorkload func(cfg aws.Config, accountID string) scan.ResourceObserver
	// ResourceRemedies fix workload and account checks' findings in
	// remediate mode (vpcendpoint.Remedy); a finding whose remedy is not
	// here is ticketed.
	ResourceRemedies []ResourceRemedy
	// Ledger records decisions (nil: nothing is recorded, no Secret
	// Compliant events, no claims: local runs without a table).
	Ledger Ledger
	// Events sends events to EventBus ("" for the default bus); nil: none.
	Events   EventsAPI
	EventBus string
	// Actor names who acts, for the ledger (function name, "cli").
	Actor string
	Log   *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Concurrency is the number of secrets a sweep reconciles at once
	// (default 4).
	Concurrency int
	// Preview is the deployment-level preview (the remediator's DRY_RUN):
	// no call that changes a secret is ever made, yet every decision is
	// recorded and sent as usual, and a remedy's plan is sent as a dry-run
	// Secret Remediated event instead of being applied (see the package
	// documentation). It differs from Request.DryRun, which writes nothing
	// at all and wins when both are set.
	Preview bool
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Engine) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (e *Engine) checks() []checks.Check {
	if e.Checks != nil {
		return e.Checks
	}
	return checks.All()
}

// needs is what the Observer fetches: the union of the checks' needs.
func (e *Engine) needs() secret.Needs {
	n := checks.NeedsOf(e.checks())
	out := secret.Needs{Policy: n.Policy}
	if n.Replicas {
		b := e.Baseline
		out.Replicas = func(s *secret.Snapshot) bool { return checks.ShouldReplicate(s, b) }
	}
	return out
}

// clients are the clients for one account and Region.
type clients struct {
	secrets  SecretsAPI
	remedies remedies.Clients
}

// accountConfig is the config for an account and Region (the spoke role in
// another account).
func (e *Engine) accountConfig(ctx context.Context, account, region string) (aws.Config, error) {
	cfg, err := e.Accounts.For(ctx, account, region, e.RoleName)
	if err != nil {
		hint := ""
		if awsenv.IsAccessDenied(err) {
			hint = fmt.Sprintf(" (is role %s deployed there, by the member StackSet, and does it trust this function's role?)", e.RoleName)
		}
		return aws.Config{}, fmt.Errorf("account %s, %s: cannot reach the account%s: %w", orSelf(account), region, hint, err)
	}
	return cfg, nil
}

func (e *Engine) clientsFor(ctx context.Context, account, region string) (clients, error) {
	cfg, err := e.accountConfig(ctx, account, region)
	if err != nil {
		return clients{}, err
	}
	sm := e.newSecrets(cfg)
	c := clients{secrets: sm, remedies: remedies.Clients{Secrets: sm, KMS: e.newKMS(cfg)}}
	c.remedies.KMSFor = func(r string) remedies.KMSAPI {
		other, err := e.Accounts.For(ctx, account, r, e.RoleName)
		if err != nil {
			e.log().Warn("no KMS client", "account", account, "region", r, "error", err.Error())
			return nil
		}
		return e.newKMS(other)
	}
	return c, nil
}

func (e *Engine) newSecrets(cfg aws.Config) SecretsAPI {
	if e.NewSecrets != nil {
		return e.NewSecrets(cfg)
	}
	return secretsmanager.NewFromConfig(cfg)
}

func (e *Engine) newKMS(cfg aws.Config) remedies.KMSAPI {
	if e.NewKMS != nil {
		return e.NewKMS(cfg)
	}
	return kms.NewFromConfig(cfg)
}

func orSelf(account string) string {
	if account == "" {
		return "(own)"
	}
	return account
}

// Invocation is one run of the engine: one Lambda invocation or one CLI
// command. Its changes count against Baseline.MaxChangesPerInvocation.
// Safe for concurrent use.
type Invocation struct {
	e       *Engine
	mu      sync.Mutex
	changes int
	stats   Stats
}

// Start begins an invocation.
func (e *Engine) Start() *Invocation { return &Invocation{e: e} }

// Stats count an invocation's outcomes by name.
type Stats map[Outcome]int

// Stats returns a copy of the outcome counts so far.
func (inv *Invocation) Stats() Stats {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	out := Stats{}
	for k, v := range inv.stats {
		out[k] = v
	}
	return out
}

// Changes returns the number of changes made (or, in dry-run and preview,
// planned).
func (inv *Invocation) Changes() int {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.changes
}

func (inv *Invocation) cap() int { return inv.e.Baseline.MaxChangesPerInvocation }

// reserve takes one change from the budget; false when the cap is reached.
func (inv *Invocation) reserve() bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if c := inv.cap(); c > 0 && inv.changes >= c {
		return false
	}
	inv.changes++
	return true
}

// release gives back a reserved change that was not made.
func (inv *Invocation) release() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.changes--
}

func (inv *Invocation) count(res *Result) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.stats == nil {
		inv.stats = Stats{}
	}
	inv.stats[OutcomeSecrets]++
	if res.Gone {
		inv.stats[OutcomeGone]++
	}
	for _, c := range res.Checks {
		inv.stats[c.Outcome]++
	}
}

// Outcome is what happened to one check of one secret.
type Outcome string

// Outcomes.
const (
	OutcomeCompliant     Outcome = "compliant"
	OutcomeNotApplicable Outcome = "not-applicable"
	OutcomeWaived        Outcome = "waived"
	OutcomeReported      Outcome = "reported"
	OutcomeTicketed      Outcome = "ticketed"
	OutcomeRemediated    Outcome = "remediated"
	// OutcomePending: enable-rotation was applied for rotated-recently,
	// which passes after the first rotation.
	OutcomePending Outcome = "remediated-pending"
	OutcomeFailed  Outcome = "failed"
	// OutcomePlanned: dry-run or preview, the plan would be applied.
	OutcomePlanned Outcome = "planned"
	// OutcomeResolved: the check passes again after a recorded
	// NON_COMPLIANT verdict (Secret Compliant).
	OutcomeResolved Outcome = "resolved"
	// OutcomeDuplicate: another invocation is acting on the same state.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeUnchanged: the ledger already has this decision on this state.
	OutcomeUnchanged Outcome = "unchanged"
	// Counted in Stats only.
	OutcomeSecrets Outcome = "secrets"
	OutcomeGone    Outcome = "gone"
)

// Request asks for the reconcile of one secret.
type Request struct {
	// SecretID is the secret's ARN or name.
	SecretID string `json:"secretId"`
	// AccountID and Region say where a secret given by name lives
	// (default: the caller's account and Region); an ARN says it itself.
	AccountID string `json:"accountId,omitempty"`
	Region    string `json:"region,omitempty"`
	DryRun    bool   `json:"dryRun,omitempty"`
	// Hints from the triggering event (the creator for owner tags).
	Hints remedies.Hints `json:"-"`
	// Trigger names what asked, for the ledger ("config", "cloudtrail:TagResource", ...).
	Trigger string `json:"trigger,omitempty"`
}

// Result is what the reconcile of one secret did.
type Result struct {
	SecretARN  string `json:"secretArn"`
	SecretName string `json:"secretName,omitempty"`
	AccountID  string `json:"accountId,omitempty"`
	Region     string `json:"region,omitempty"`
	DryRun     bool   `json:"dryRun,omitempty"`
	// Preview: Engine.Preview applied (the request was not a dry run).
	Preview bool          `json:"preview,omitempty"`
	Gone    bool          `json:"gone,omitempty"`
	Checks  []CheckResult `json:"checks,omitempty"`
}

// CheckResult is what happened to one check.
type CheckResult struct {
	Check string `json:"check"`
	// Compliance is the verdict as observed; ComplianceAfter after acting.
	Compliance      checks.Compliance `json:"compliance"`
	ComplianceAfter checks.Compliance `json:"complianceAfter,omitempty"`
	Annotation      string            `json:"annotation"`
	Mode            string            `json:"mode"`
	Decision        Decision          `json:"decision"`
	Outcome         Outcome           `json:"outcome"`
	Why             string            `json:"why,omitempty"`
	Remedy          string            `json:"remedy,omitempty"`
	// ID is the remediation or decision ID (ledger, event).
	ID      string `json:"id,omitempty"`
	Summary string `json:"summary,omitempty"`
	// Calls were sent (with their outcome) or, in dry-run and preview,
	// would be (outcome "dry-run").
	Calls  []outcome.Call `json:"calls,omitempty"`
	Before *outcome.State `json:"before,omitempty"`
	After  *outcome.State `json:"after,omitempty"`
	// Undo are the calls `secretguard undo ID` would send.
	Undo   []outcome.Call `json:"undo,omitempty"`
	Fix    string         `json:"fix,omitempty"`
	Waiver string         `json:"waiver,omitempty"`
	// Event is the detail-type sent, "" for none.
	Event string `json:"event,omitempty"`
	// Incomplete: the verdict lacks data the check needs.
	Incomplete bool `json:"incomplete,omitempty"`
}
