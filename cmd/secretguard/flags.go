package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// multiFlag is a repeatable string flag; values may also be comma-separated.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*m = append(*m, p)
		}
	}
	return nil
}

// parseFlags parses a subcommand's flags, turning flag errors into usage
// errors and rejecting stray arguments.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return codeError{exitOK}
		}
		return codeError{exitUsage}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && f != nil && fileIsTerminal(f)
}

// checkOutput validates a subcommand's --output value.
func checkOutput(cmd, output string) error {
	if output != "table" && output != "json" {
		return usageError{fmt.Sprintf("%s: --output must be table or json, got %q", cmd, output)}
	}
	return nil
}
