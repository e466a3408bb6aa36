package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/engine"
	"github.com/secretguard/secretguard/shared/outcome"
)

const undoUsage = `Usage: secretguard undo REMEDIATION_ID [flags]

Restores what a remediation changed (tighten-policy, add-tags, fix-schedule)
with the undo calls recorded in the ledger. It first re-reads the secret and
refuses when what the remediation wrote was changed since. It shows the calls
and asks before sending them (unless --yes). A check in remediate mode is
fixed again on the next event unless the secret carries its waiver tag.

`

func cmdUndo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var region, table, output, baselineSrc string
	var dryRun, yes bool
	fs := flag.NewFlagSet("undo", flag.ContinueOnError)
	fs.StringVar(&region, "region", "", "Region of the table (default: the configured Region); the secret's comes from its ARN")
	fs.StringVar(&table, "table", os.Getenv("TABLE_NAME"), "DynamoDB table of the ledger (default $TABLE_NAME)")
	fs.StringVar(&baselineSrc, "baseline", "", "baseline file or ssm:<name>, for the verdict after the undo (default: the embedded baseline)")
	fs.StringVar(&output, "output", "table", "output format: table or json")
	fs.BoolVar(&dryRun, "dry-run", false, "show the calls, send nothing")
	fs.BoolVar(&yes, "yes", false, "undo without asking")
	fs.Usage = func() { fmt.Fprint(fs.Output(), undoUsage); fs.PrintDefaults() }
	id, err := parseWithArg(fs, args, stderr, "REMEDIATION_ID")
	if err != nil {
		return err
	}
	if err := checkOutput("undo", output); err != nil {
		return err
	}
	switch {
	case table == "":
		return usageError{"undo: name the ledger's table with --table or TABLE_NAME"}
	}
	counter := awsenv.NewCounter()
	cfg, err := awsenv.Load(ctx, awsenv.Options{Region: region, Counter: counter})
	if err != nil {
		return err
	}
	b, err := baseline.Load(ctx, baselineSrc, awsenv.NewParameterReader(cfg))
	if err != nil {
		return err
	}
	eng := newEngine(cfg, b, table, "", counter, stderr)
	preview, err := eng.Undo(ctx, id, true)
	if err != nil {
		return fmt.Errorf("undo %s: %w", id, err)
	}
	if dryRun {
		return printUndo(stdout, preview, output)
	}
	if !yes {
		if output == "table" {
			printCalls(stderr, "would send", preview.Calls)
		}
		if !confirm(stderr, fmt.Sprintf("Undo %s (%s, %s) on %s? [y/N] ", id, preview.Remedy, preview.Check, preview.SecretARN)) {
			return errors.New("not undone")
		}
	}
	res, err := eng.Undo(ctx, id, false)
	if perr := printUndo(stdout, res, output); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("undo %s: %w", id, err)
	}
	return nil
}

func printUndo(w io.Writer, res engine.UndoResult, output string) error {
	if output == "json" {
		return json.NewEncoder(w).Encode(res)
	}
	verb := "undid"
	if res.DryRun {
		verb = "would undo"
	}
	fmt.Fprintf(w, "%s %s (%s, %s) on %s\n", verb, res.RemediationID, res.Remedy, res.Check, res.SecretARN)
	printCalls(w, "", res.Calls)
	if res.ID != "" {
		fmt.Fprintf(w, "recorded as %s\n", res.ID)
	}
	if res.Waiver != "" {
		fmt.Fprintf(w, "%s is %s again: secretguard fixes it again on the next event (in remediate mode) unless the secret carries the tag\n  %s\n",
			res.Check, res.Compliance, res.Waiver)
	}
	return nil
}

func printCalls(w io.Writer, title string, calls []outcome.Call) {
	if title != "" {
		fmt.Fprintf(w, "%s:\n", title)
	}
	for _, c := range calls {
		fmt.Fprintf(w, "  %s:%s %s  %s\n", c.Service, c.Operation, c.Params, c.Outcome)
	}
}
