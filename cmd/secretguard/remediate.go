package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/vpcendpoint"
	"github.com/secretguard/secretguard/shared/workload"
	"github.com/secretguard/secretguard/shared/workload/observe"
)

// stdin answers confirmation prompts; tests replace it.
var stdin io.Reader = os.Stdin

const remediateUsage = `Usage: secretguard remediate (--secret ID... | --all) [--account] [flags]
       secretguard remediate --account [flags]

Runs the remediator's engine locally: observes each secret, checks it against
the baseline and, per the checks' modes, fixes it, tickets it or reports it.
With --account it also does so for the account checks of the Region
(cloudtrail-read-events, vpc-endpoint, caching, no-plaintext-parameters), as
the workloads function does: vpc-endpoint in remediate mode creates the
Secrets Manager endpoints (create-vpc-endpoint).
It first shows the plan (the exact calls); without --dry-run it then asks
before applying (unless --yes). With a table (--table or TABLE_NAME) every
decision is recorded for history and undo; with a bus (--event-bus or
EVENT_BUS_NAME) the events that open and resolve tickets are sent.
Exit codes: 0 all compliant, 3 something is left non-compliant (or planned), 1 error, 2 usage.

`

type remediateOptions struct {
	secrets  multiFlag
	checkIDs multiFlag
	all      bool
	account  bool
	region   string
	baseline string
	output   string
	dryRun   bool
	yes      bool
	table    string
	bus      string
}

func cmdRemediate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o remediateOptions
	fs := flag.NewFlagSet("remediate", flag.ContinueOnError)
	fs.Var(&o.secrets, "secret", "secret name or ARN (repeatable)")
	fs.BoolVar(&o.all, "all", false, "every secret of the account and Region")
	fs.BoolVar(&o.account, "account", false, "also the account checks of the Region (AWS::::Account: "+strings.Join(accountCheckIDs(), ", ")+")")
	fs.StringVar(&o.region, "region", "", "Region (default: the configured Region)")
	fs.StringVar(&o.baseline, "baseline", "", "baseline file, or ssm:<parameter name or ARN> (default: the embedded baseline)")
	fs.Var(&o.checkIDs, "check", "check ID to reconcile (repeatable; default: all): "+strings.Join(checks.IDs(), ", "))
	fs.StringVar(&o.output, "output", "table", "output format: table or json (one JSON object per secret per line)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "show the plan, change and record nothing")
	fs.BoolVar(&o.yes, "yes", false, "apply without asking")
	fs.StringVar(&o.table, "table", os.Getenv("TABLE_NAME"), "DynamoDB table of the ledger (default $TABLE_NAME; none: nothing recorded)")
	fs.StringVar(&o.bus, "event-bus", os.Getenv("EVENT_BUS_NAME"), "EventBridge bus for secretguard events (default $EVENT_BUS_NAME; none: no events)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), remediateUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := checkOutput("remediate", o.output); err != nil {
		return err
	}
	switch {
	case o.all && len(o.secrets) > 0, !o.all && len(o.secrets) == 0 && !o.account:
		return usageError{"remediate: name the secrets with --secret, or use --all (and/or --account for the account checks)"}
	}
	cs, as, err := remediateChecks(o)
	if err != nil {
		return err
	}
	counter := awsenv.NewCounter()
	cfg, err := awsenv.Load(ctx, awsenv.Options{Region: o.region, Counter: counter})
	if err != nil {
		return err
	}
	b, err := baseline.Load(ctx, o.baseline, awsenv.NewParameterReader(cfg))
	if err != nil {
		return err
	}
	eng := newEngine(cfg, b, o.table, o.bus, counter, stderr)
	eng.Checks = cs
	var acct remediateAccount
	if o.account {
		if acct, err = accountTarget(ctx, cfg, as); err != nil {
			return err
		}
		if roles, ok := eng.Accounts.(*awsenv.Roles); ok {
			roles.SetSelfAccount(acct.id) // known now: no second GetCallerIdentity
		}
		eng.NewWorkload, eng.ResourceRemedies = observe.Factory(nil), []engine.ResourceRemedy{vpcendpoint.Remedy{}}
	}
	out := &remediatePrinter{w: stdout, notes: stderr, json: o.output == "json"}
	if o.table == "" {
		fmt.Fprintln(stderr, "note: no table (--table or TABLE_NAME): nothing is recorded, duplicates are not guarded, no history or undo")
	}
	if o.bus == "" && !o.dryRun {
		fmt.Fprintln(stderr, "note: no event bus (--event-bus or EVENT_BUS_NAME): no tickets are opened or resolved")
	}
	preview, err := reconcileAll(ctx, eng, o, acct, true, out)
	if err != nil || o.dryRun {
		out.summary(preview, counter)
		return exitFor(preview, err)
	}
	planned := preview.count(engine.OutcomePlanned)
	if planned == 0 {
		fmt.Fprintln(stderr, "nothing to apply")
		return exitFor(preview, nil)
	}
	if !o.yes && !confirm(stderr, fmt.Sprintf("Apply %d planned change(s) in %s? [y/N] ", planned, cfg.Region)) {
		return fmt.Errorf("not applied")
	}
	out.title = "applied"
	done, err := reconcileAll(ctx, eng, o, acct, false, out)
	out.summary(done, counter)
	return exitFor(done, err)
}

// newEngine builds the engine for a local run: the caller's credentials,
// the spoke role for other accounts, an optional ledger and bus.
// cfg comes from awsenv.Load with counter.
func newEngine(cfg aws.Config, b *baseline.Baseline, table, bus string, counter *awsenv.Counter, stderr io.Writer) *engine.Engine {
	eng := &engine.Engine{
		Baseline: b, Accounts: awsenv.NewRoles(cfg, "secretguard-cli", counter, awsenv.DefaultBudget()), RoleName: awsenv.SpokeRole(awsenv.DefaultSpokeRolePrefix, "remediator"),
		Actor: "cli", Log: slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if table != "" {
		eng.Ledger = &ledger.Store{DB: dynamodb.NewFromConfig(cfg), Table: table}
	}
	if bus != "" {
		eng.Events, eng.EventBus = eventbridge.NewFromConfig(cfg), bus
	}
	return eng
}

// tally collects the results of a run.
type tally struct {
	secrets  int
	accounts int // account checks reconciled
	outcomes map[engine.Outcome]int
	failed   int
}

func (t *tally) count(o engine.Outcome) int { return t.outcomes[o] }

func (t *tally) add(res engine.Result, err error) {
	t.secrets++
	t.addChecks(res, err)
}

func (t *tally) addChecks(res engine.Result, err error) {
	if err != nil {
		t.failed++
	}
	for _, c := range res.Checks {
		t.outcomes[c.Outcome]++
	}
}

// reconcileAll runs one invocation over the named secrets or the Region,
// then the account checks of acct.
func reconcileAll(ctx context.Context, eng *engine.Engine, o remediateOptions, acct remediateAccount, dryRun bool, out *remediatePrinter) (*tally, error) {
	t := &tally{outcomes: map[engine.Outcome]int{}}
	inv := eng.Start()
	each := func(res engine.Result, err error) error {
		t.add(res, err)
		return out.result(res, err)
	}
	if o.all {
		if _, err := inv.Sweep(ctx, engine.SweepRequest{Region: o.region, DryRun: dryRun, Trigger: "cli"}, each); err != nil {
			return t, err
		}
	}
	for _, id := range o.secrets {
		res, err := inv.Reconcile(ctx, engine.Request{SecretID: id, Region: o.region, DryRun: dryRun, Trigger: "cli"})
		if perr := each(res, err); perr != nil {
			return t, perr
		}
	}
	for _, c := range acct.checks {
		res, err := inv.ReconcileResource(ctx, engine.ResourceRequest{Check: c, ResourceType: workload.TypeAccount, ResourceID: acct.id,
			AccountID: acct.id, Region: acct.region, DryRun: dryRun, Trigger: "cli"})
		t.accounts++
		if perr := out.result(res, err); perr != nil {
			return t, perr
		}
		t.addChecks(res, err)
	}
	return t, nil
}

// exitFor is 3 when something is left non-compliant (or only planned).
func exitFor(t *tally, err error) error {
	switch {
	case err != nil:
		return err
	case t.failed > 0:
		return codeError{exitError}
	}
	for _, o := range []engine.Outcome{engine.OutcomePlanned, engine.OutcomeTicketed, engine.OutcomeUnchanged, engine.OutcomeFailed,
		engine.OutcomeReported, engine.OutcomePending, engine.OutcomeDuplicate} {
		if t.count(o) > 0 {
			return codeError{exitNonCompliant}
		}
	}
	return nil
}

// confirm asks on w and reads one answer from stdin.
func confirm(w io.Writer, question string) bool {
	fmt.Fprint(w, question)
	line, _ := bufio.NewReader(stdin).ReadString('\n')
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}

// remediatePrinter writes results as a table or JSON lines.
type remediatePrinter struct {
	w, notes io.Writer
	json     bool
	title    string
}

func (p *remediatePrinter) result(res engine.Result, err error) error {
	if p.json {
		line := struct {
			engine.Result
			Error string `json:"error,omitempty"`
		}{Result: res}
		if err != nil {
			line.Error = err.Error()
		}
		b, merr := json.Marshal(line)
		if merr != nil {
			return merr
		}
		_, werr := fmt.Fprintf(p.w, "%s\n", b)
		return werr
	}
	name := res.SecretName
	if name == "" {
		name = res.SecretARN
	}
	switch {
	case err != nil:
		fmt.Fprintf(p.w, "\n%s\n  ERROR  %s\n", name, err)
		return nil
	case res.Gone:
		fmt.Fprintf(p.w, "\n%s\n  GONE   the secret no longer exists\n", name)
		return nil
	}
	header := false
	for _, c := range res.Checks {
		if c.Outcome == engine.OutcomeCompliant || c.Outcome == engine.OutcomeNotApplicable {
			continue
		}
		if !header {
			fmt.Fprintf(p.w, "\n%s  (%s)\n", name, res.SecretARN)
			header = true
		}
		what := c.Summary
		if what == "" {
			what = c.Why
		}
		if what == "" {
			what = c.Annotation
		}
		fmt.Fprintf(p.w, "  %-18s %-18s %s\n", strings.ToUpper(string(c.Outcome)), c.Check, what)
		if c.Outcome == engine.OutcomePlanned || c.Outcome == engine.OutcomeTicketed {
			if c.Fix != "" {
				fmt.Fprintf(p.w, "  %-18s %-18s $ %s\n", "", "", c.Fix)
			}
		}
		if c.ID != "" {
			fmt.Fprintf(p.w, "  %-18s %-18s id %s\n", "", "", c.ID)
		}
	}
	return nil
}

func (p *remediatePrinter) summary(t *tally, c *awsenv.Counter) {
	w := p.w
	if p.json {
		w = p.notes
	}
	var parts []string
	for _, o := range []engine.Outcome{engine.OutcomePlanned, engine.OutcomeRemediated, engine.OutcomePending, engine.OutcomeTicketed,
		engine.OutcomeUnchanged, engine.OutcomeFailed, engine.OutcomeReported, engine.OutcomeResolved, engine.OutcomeWaived, engine.OutcomeDuplicate} {
		if n := t.count(o); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		parts = []string{"all compliant"}
	}
	title := p.title
	if title == "" {
		title = "plan"
	}
	subjects := fmt.Sprintf("%d secrets", t.secrets)
	if t.accounts > 0 {
		subjects += fmt.Sprintf(", %d account checks", t.accounts)
	}
	fmt.Fprintf(w, "\n%s: %s: %s (%d API calls)\n", title, subjects, strings.Join(parts, ", "), c.Total())
	if t.failed > 0 {
		fmt.Fprintf(w, "%d could not be reconciled (ERROR above)\n", t.failed)
	}
}
