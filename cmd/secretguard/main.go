// Command secretguard is the command-line face of secretguard: it scans
// accounts against the baseline and (in later subcommands) previews and
// applies remediation, revokes compromised secrets, and shows history.
//
// Usage:
//
//	secretguard scan [--region R]... [--baseline FILE] [--check ID]... [--output table|json]
//
// Exit codes are documented in README.md and in exitCode below.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes: a stable contract for scripts and CI pipelines.
const (
	exitOK           = 0 // every evaluated (secret, check) is compliant or not applicable
	exitError        = 1 // the command could not do its job (credentials, permissions, baseline, API)
	exitUsage        = 2 // bad flags or arguments
	exitNonCompliant = 3 // at least one NON_COMPLIANT result
	exitIncomplete   = 4 // no NON_COMPLIANT result, but some secrets could not be fully evaluated
)

// usageError marks errors caused by how the command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries a specific exit code with no further message.
type codeError struct{ code int }

func (e codeError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const topUsage = `secretguard keeps AWS Secrets Manager secrets on your organisation's baseline.

Usage:
  secretguard scan [flags]        evaluate every secret in the given Regions (read-only)
  secretguard remediate [flags]   preview (--dry-run) and apply the fixes the baseline allows
  secretguard history SECRET      what secretguard decided and changed for a secret
  secretguard undo ID             restore what a remediation changed
  secretguard revoke [flags]      cut access to compromised secrets, rotate them, report (incident response)

Run "secretguard <command> -h" for the flags of a command.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "scan":
		err = cmdScan(ctx, args[1:], stdout, stderr)
	case "revoke":
		err = cmdRevoke(ctx, args[1:], stdout, stderr)
	case "remediate":
		err = cmdRemediate(ctx, args[1:], stdout, stderr)
	case "history":
		err = cmdHistory(ctx, args[1:], stdout, stderr)
	case "undo":
		err = cmdUndo(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, topUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "secretguard: unknown command %q\n\n%s", args[0], topUsage)
		return exitUsage
	}
	return report(err, stderr)
}

func report(err error, stderr io.Writer) int {
	var ue usageError
	var ce codeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "secretguard: %s\n", ue.msg)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "secretguard: %s\n", err)
		return exitError
	}
}
