package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/ledger"
	"github.com/secretguard/secretguard/shared/secret"
)

const historyUsage = `Usage: secretguard history SECRET [flags]

Lists what secretguard decided and changed for one secret (name or ARN),
newest first, from the ledger in the shared table. A deleted secret must be
given by ARN. The IDs are what "secretguard undo" takes.

`

func cmdHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var region, table, output string
	var limit int
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	fs.StringVar(&region, "region", "", "Region of the table and of a secret given by name (default: the configured Region)")
	fs.StringVar(&table, "table", os.Getenv("TABLE_NAME"), "DynamoDB table of the ledger (default $TABLE_NAME)")
	fs.StringVar(&output, "output", "table", "output format: table or json (one entry per line)")
	fs.IntVar(&limit, "limit", 50, "entries to show (0: all)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), historyUsage); fs.PrintDefaults() }
	id, err := parseWithArg(fs, args, stderr, "SECRET")
	if err != nil {
		return err
	}
	if err := checkOutput("history", output); err != nil {
		return err
	}
	switch {
	case table == "":
		return usageError{"history: name the ledger's table with --table or TABLE_NAME"}
	case limit < 0:
		return usageError{"history: --limit must be 0 or more"}
	}
	cfg, err := awsenv.Load(ctx, awsenv.Options{Region: region})
	if err != nil {
		return err
	}
	arn := id
	if !secret.IsARN(id) {
		out, err := secretsmanager.NewFromConfig(cfg).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("history: find the ARN of %s in %s (give the ARN of a deleted secret): %w", id, cfg.Region, err)
		}
		arn = aws.ToString(out.ARN)
	}
	entries, err := (&ledger.Store{DB: dynamodb.NewFromConfig(cfg), Table: table}).History(ctx, arn, limit)
	if err != nil {
		return err
	}
	if output == "json" {
		enc := json.NewEncoder(stdout)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	if len(entries) == 0 {
		fmt.Fprintf(stdout, "no history for %s in %s\n", arn, table)
		return nil
	}
	fmt.Fprintf(stdout, "%s\n\n%-20s  %-18s  %-18s  %-32s  %s\n", arn, "TIME (UTC)", "CHECK", "DECISION", "ID", "WHAT")
	for _, e := range entries {
		what := firstNonEmpty(e.Summary, e.Why, e.Annotation)
		if e.UndoOf != "" {
			what = "undo of " + e.UndoOf + "; " + what
		}
		fmt.Fprintf(stdout, "%-20s  %-18s  %-18s  %-32s  %s\n", e.Time.UTC().Format("2006-01-02 15:04:05"), e.Check, e.Decision, e.ID, what)
	}
	return nil
}

// parseWithArg parses a command's flags and its one positional argument,
// which may stand before, between or after the flags.
func parseWithArg(fs *flag.FlagSet, args []string, stderr io.Writer, what string) (string, error) {
	arg, rest := "", args
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			arg, rest = a, slices.Concat(args[:i], args[i+1:])
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := fs.Lookup(name); f != nil && !hasValue {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				i++ // skip the flag's value
			}
		}
	}
	if err := parseFlags(fs, rest, stderr); err != nil {
		return "", err
	}
	if arg == "" {
		return "", usageError{fmt.Sprintf("%s: name the %s", fs.Name(), what)}
	}
	return arg, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
