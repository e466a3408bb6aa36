package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/secretguard/secretguard/tests/lab"
)

func main() {
	keep := flag.Bool("keep", false, "leave moto_server running afterwards and print its endpoint")
	noColor := flag.Bool("no-color", false, "never colour the output")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // a second Ctrl-C kills at once (the kernel then ends the children)
	d := &demo{w: os.Stdout, p: lab.Paint{On: !*noColor && isatty.IsTerminal(os.Stdout.Fd())}, keep: *keep, start: time.Now()}
	err := d.run(ctx)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "demo: interrupted; every process it started is stopped")
		os.Exit(130)
	case err != nil:
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		if d.logs != "" {
			fmt.Fprintf(os.Stderr, "demo: the functions' logs are in %s\n", d.logs)
		}
		os.Exit(1)
	}
}

// demo runs the story and prints it.
type demo struct {
	w     io.Writer
	p     lab.Paint
	keep  bool
	start time.Time
	logs  string
	lab   *lab.Lab
}

func (d *demo) step(title string) {
	fmt.Fprintf(d.w, "\n%s %s %s\n", d.p.Cyan("▶"), d.p.Bold(title), d.p.Dim(fmt.Sprintf("(%.1fs)", time.Since(d.start).Seconds())))
}

func (d *demo) note(format string, a ...any) {
	fmt.Fprintf(d.w, "  %s %s\n", d.p.Yellow("note:"), fmt.Sprintf(format, a...))
}

func (d *demo) run(ctx context.Context) (err error) {
	root, err := lab.RepoRoot()
	if err != nil {
		return err
	}
	d.step("Setting up: the function binaries, the Lambda Runtime Interface Emulator, moto")
	bins, err := binaries(ctx, root, d.w)
	if err != nil {
		return err
	}
	rie, err := lab.RIE(ctx, root, func(s string) { fmt.Fprintln(d.w, "  "+s) })
	if err != nil {
		return err
	}
	d.logs = filepath.Join(root, "bin", "demo", "logs")
	if err := os.MkdirAll(d.logs, 0o755); err != nil {
		return err
	}
	t, err := lab.StartMoto(ctx, d.keep)
	if err != nil {
		return err
	}
	defer func() { d.stopMoto(t, d.keep && err == nil && ctx.Err() == nil) }()
	fmt.Fprintf(d.w, "  moto_server %s (pid %d), account %s, Region %s\n", t.Endpoint, t.PID(), t.Account, lab.Region)

	d.step("Deploying and seeding: state table, event bus → notifier queue, KMS keys, rotation function, a realistic account")
	d.lab, err = lab.New(ctx, t, lab.Options{Root: root, Baseline: filepath.Join(root, "tests", "demo", "baseline.yaml"),
		Binaries: bins, RIE: rie, Logs: d.logs, OnTicket: d.ticket})
	if err != nil {
		return err
	}
	defer d.lab.Close()
	d.seeded()
	return d.story(ctx)
}

// binaries returns bin/local/<function>/bootstrap for every function,
// building the ones that are missing (make demo builds them all first).
func binaries(ctx context.Context, root string, w io.Writer) (map[string]string, error) {
	names, err := lab.Functions(root)
	if err != nil {
		return nil, err
	}
	bins, missing := map[string]string{}, []string(nil)
	for _, n := range names {
		p := filepath.Join(root, "bin", "local", n, "bootstrap")
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, n)
			continue
		}
		bins[n] = p
	}
	if len(missing) > 0 {
		fmt.Fprintf(w, "  building %v into bin/local (make demo rebuilds them all)\n", missing)
		built, err := lab.Build(ctx, root, filepath.Join(root, "bin", "local"), lab.Platform{}, missing...)
		if err != nil {
			return nil, err
		}
		for n, p := range built {
			bins[n] = p
		}
	}
	fmt.Fprintf(w, "  functions: %v (bin/local, built for this machine)\n", names)
	return bins, nil
}

// stopMoto stops moto_server, unless keep (--keep, and the demo
// succeeded): then it says where moto is and how to stop it.
func (d *demo) stopMoto(t *lab.Target, keep bool) {
	if keep {
		fmt.Fprintf(d.w, "\n%s moto_server keeps running at %s (pid %d): AWS_ENDPOINT_URL=%s aws secretsmanager list-secrets --region %s\n  stop it with: kill -- -%d\n",
			d.p.Cyan("▶"), t.Endpoint, t.PID(), t.Endpoint, lab.Region, t.PID())
		return
	}
	t.Stop()
}
