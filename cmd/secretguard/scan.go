package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/checks"
	"github.com/secretguard/secretguard/shared/scan"
	"github.com/secretguard/secretguard/shared/secret"
)

// clock is the time the checks evaluate at. Tests move it to exercise
// date-based checks against real (freshly created) secrets.
var clock = func() time.Time { return time.Now().UTC() }

type scanOptions struct {
	regions   multiFlag
	checkIDs  multiFlag
	scope     string
	baseline  string
	output    string
	policyTPS float64
	color     bool
}

func cmdScan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o scanOptions
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.Var(&o.regions, "region", "Region to scan (repeatable or comma-separated; default: the configured Region)")
	fs.Var(&o.checkIDs, "check", "check ID to run (repeatable; default: all in --scope): "+strings.Join(checks.AllIDs(), ", "))
	fs.StringVar(&o.scope, "scope", scopeAll, "what to scan: secrets (the secrets), workloads (functions, task definitions, account settings) or all")
	fs.StringVar(&o.baseline, "baseline", "", "baseline file, or ssm:<parameter name or ARN> (default: the embedded baseline)")
	fs.StringVar(&o.output, "output", "table", "output format: table or json (one JSON object per line per secret and check)")
	fs.Float64Var(&o.policyTPS, "policy-tps", 0, "client-side budget for GetResourcePolicy calls per second and Region (default 40; the quota is 50)")
	noColor := fs.Bool("no-color", false, "never colour the table")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: secretguard scan [flags]\n\nEvaluates every secret, workload and account setting in the given Regions against the baseline; read-only.\nExit codes: 0 compliant, 3 non-compliant found, 4 some secrets or resources not fully evaluated, 1 error, 2 usage.\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := checkOutput("scan", o.output); err != nil {
		return err
	}
	cs, rs, err := selectChecks(o.scope, o.checkIDs)
	if err != nil {
		return err
	}
	o.color = !*noColor && o.output == "table" && isTerminal(stdout)

	budget := awsenv.DefaultBudget()
	if o.policyTPS > 0 {
		budget.Policy = o.policyTPS
	}
	counter := awsenv.NewCounter()
	regions := dedupe(o.regions)
	if len(regions) == 0 {
		regions = []string{""} // the configured default Region
	}
	cfgs := make([]aws.Config, 0, len(regions))
	for _, r := range regions {
		cfg, err := awsenv.Load(ctx, awsenv.Options{Region: r, Budget: budget, Counter: counter})
		if err != nil {
			return err
		}
		cfgs = append(cfgs, cfg)
	}
	b, err := baseline.Load(ctx, o.baseline, awsenv.NewParameterReader(cfgs[0]))
	if err != nil {
		return err
	}

	out := newPrinter(o.output, stdout, stderr, o.color)
	progress := newProgress(stderr)
	var sum scan.Summary
	for _, cfg := range cfgs {
		if len(cs) > 0 {
			sc := &scan.Scanner{
				Observer: &secret.Observer{Client: secretsmanager.NewFromConfig(cfg), Region: cfg.Region},
				Baseline: b, Checks: cs, Now: clock,
			}
			_, err := sc.Sweep(ctx, secret.SweepOptions{}, func(p scan.Page) error {
				sum.Secrets += len(p.Snapshots)
				sum.Add(p.Results)
				progress.update(cfg.Region, "secrets", sum.Secrets)
				return out.results(p.Results)
			})
			progress.done()
			if err != nil {
				return explain(err, cfg.Region)
			}
		}
		if len(rs) > 0 {
			if err := scanResources(ctx, cfg, b, rs, &sum, out, progress); err != nil {
				return explain(err, cfg.Region)
			}
		}
	}
	out.summary(sum, counter)
	switch {
	case sum.NonCompliant > 0:
		return codeError{exitNonCompliant}
	case sum.Incomplete > 0:
		return codeError{exitIncomplete}
	}
	return nil
}

// dedupe drops repeated Regions, keeping the first occurrence's order.
func dedupe(regions []string) []string {
	var out []string
	for _, r := range regions {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// rejectedCredentialCodes are the errors AWS returns for credentials that
// exist but are not (or no longer) valid.
var rejectedCredentialCodes = map[string]bool{
	"UnrecognizedClientException": true,
	"InvalidClientTokenId":        true,
	"InvalidSignatureException":   true,
	"SignatureDoesNotMatch":       true,
	"ExpiredTokenException":       true,
	"ExpiredToken":                true,
}

// explain turns SDK errors into messages a person can act on.
func explain(err error, region string) error {
	if msg, ok := awsenv.MissingPermission(err); ok {
		return fmt.Errorf("scan %s: %s", region, msg)
	}
	s := err.Error()
	if strings.Contains(s, "failed to retrieve credentials") || strings.Contains(s, "failed to refresh cached credentials") ||
		strings.Contains(s, "get credentials: ") || strings.Contains(s, "no EC2 IMDS role found") {
		return fmt.Errorf("scan %s: no usable AWS credentials: set AWS_PROFILE (or run aws sso login), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: %w", region, err)
	}
	if code := awsenv.ErrorCode(err); rejectedCredentialCodes[code] {
		return fmt.Errorf("scan %s: AWS rejected the credentials (%s): refresh them (aws sso login, or new keys) and check AWS_PROFILE: %w", region, code, err)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("scan %s: interrupted", region)
	}
	return fmt.Errorf("scan %s: %w", region, err)
}

// printer writes results as a grouped table or JSON lines.
type printer struct {
	format string
	w      io.Writer
	// notes receives what is for people when w is for machines: the
	// summary of a JSON scan goes to stderr, so stdout stays JSON lines.
	notes io.Writer
	color bool
	enc   *json.Encoder
}

func newPrinter(format string, w, notes io.Writer, color bool) *printer {
	return &printer{format: format, w: w, notes: notes, color: color, enc: json.NewEncoder(w)}
}

// results prints the results of one page, grouped by secret or resource.
func (p *printer) results(rs []scan.Result) error {
	if p.format == "json" {
		for _, r := range rs {
			if err := p.enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	var last string
	for _, r := range rs {
		if r.Subject() != last {
			fmt.Fprintf(p.w, "\n%s  (%s, %s)\n", p.paint("1", r.SubjectName()), r.Region, r.Subject())
			last = r.Subject()
		}
		fmt.Fprintf(p.w, "  %s  %-18s %s\n", p.verdict(r.Compliance), r.Check, r.Annotation)
	}
	return nil
}

func (p *printer) verdict(c checks.Compliance) string {
	switch c {
	case checks.Compliant:
		return p.paint("32", fmt.Sprintf("%-14s", c))
	case checks.NonCompliant:
		return p.paint("31", fmt.Sprintf("%-14s", c))
	}
	return p.paint("2", fmt.Sprintf("%-14s", c))
}

func (p *printer) paint(code, s string) string {
	if !p.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p *printer) summary(s scan.Summary, c *awsenv.Counter) {
	w := p.w
	if p.format == "json" {
		w = p.notes // stdout carries only results; the summary is for people
	}
	noun := "secrets"
	if s.Secrets == 1 {
		noun = "secret"
	}
	what := fmt.Sprintf("%d %s", s.Secrets, noun)
	if s.Resources > 0 {
		what += fmt.Sprintf(", %d workloads and accounts", s.Resources)
	}
	fmt.Fprintf(w, "\n%s: %d compliant, %d non-compliant, %d not applicable results", what, s.Compliant, s.NonCompliant, s.NotApplicable)
	if s.Incomplete > 0 {
		fmt.Fprintf(w, ", %d not fully evaluated", s.Incomplete)
	}
	fmt.Fprintf(w, " (%d API calls)\n", c.Total())
	for _, id := range checks.AllIDs() {
		if n := s.ByCheck[id]; n > 0 {
			fmt.Fprintf(w, "  %-18s %d non-compliant\n", id, n)
		}
	}
}

// progress prints a running count on stderr when it is a terminal.
type progress struct {
	w  io.Writer
	on bool
}

func newProgress(w io.Writer) *progress { return &progress{w: w, on: isTerminal(w)} }

func (p *progress) update(region, what string, n int) {
	if p.on {
		fmt.Fprintf(p.w, "\rscanning %s: %d %s", region, n, what)
	}
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
