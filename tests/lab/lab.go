package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options configure New.
type Options struct {
	Root     string            // the repository root
	Baseline string            // the baseline template (tests/demo/baseline.yaml)
	Binaries map[string]string // function name → bootstrap
	RIE      string            // aws-lambda-rie
	// Logs, when set, receives each function's output in <Logs>/<name>.log.
	Logs string
	// OnTicket sees each message the webhook sink receives.
	OnTicket func(Ticket)
	// Now dates the seeded waivers (default time.Now).
	Now time.Time
}

// Lab is secretguard deployed on a local AWS: the infrastructure and the
// seeded account at the target, the local Config recorder and webhook
// sink, and every function binary running under the emulator.
type Lab struct {
	Target    *Target
	Infra     *Infra
	Account   *Account
	Recorder  *ConfigRecorder
	Sink      *WebhookSink
	Functions map[string]*Function
	// Specs are how each function was started, to start it again (the
	// cold-start benchmark).
	Specs map[string]FunctionSpec
	// BaselineFile is the baseline the functions load: the template with
	// the tickets section appended.
	BaselineFile string
	Root         string

	dir  string
	logs []io.Closer
}

// New provisions and seeds the target, starts the recorder and the sink,
// writes the baseline and starts every function in o.Binaries. Close
// undoes what runs locally; the target keeps its state.
func New(ctx context.Context, t *Target, o Options) (l *Lab, err error) {
	l = &Lab{Target: t, Functions: map[string]*Function{}, Specs: map[string]FunctionSpec{}, Root: o.Root}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	if l.dir, err = os.MkdirTemp("", "secretguard-lab-*"); err != nil {
		return nil, err
	}
	if l.Infra, err = Provision(ctx, t); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	if l.Account, err = Seed(ctx, t, l.Infra, now); err != nil {
		return nil, err
	}
	l.Recorder = NewConfigRecorder()
	if l.Sink, err = NewWebhookSink(l.dir, []byte(SigningKey), o.OnTicket); err != nil {
		return nil, err
	}
	if l.BaselineFile, err = l.writeBaseline(o.Baseline); err != nil {
		return nil, err
	}
	env, err := t.FunctionEnv(ctx)
	if err != nil {
		return nil, err
	}
	env = append(env, "BASELINE="+l.BaselineFile, "TABLE_NAME="+l.Infra.Table, "EVENT_BUS_NAME="+l.Infra.Bus)
	for name, bin := range o.Binaries {
		fenv := append([]string(nil), env...)
		if slices.Contains(SpokeFunctions, name) {
			fenv = append(fenv, "SPOKE_ROLE_NAME="+SpokeRoleName(name, t.Suffix))
		}
		switch name {
		case "evaluator":
			fenv = append(fenv, "AWS_ENDPOINT_URL_CONFIG_SERVICE="+l.Recorder.URL)
		case "notifier":
			fenv = append(fenv, "SSL_CERT_FILE="+l.Sink.CAFile)
		}
		spec := FunctionSpec{Name: name, Bootstrap: bin, RIE: o.RIE, Env: fenv}
		if o.Logs != "" {
			f, err := os.Create(filepath.Join(o.Logs, name+".log"))
			if err != nil {
				return nil, err
			}
			l.logs = append(l.logs, f)
			spec.Log = f
		}
		l.Specs[name] = spec
		if l.Functions[name], err = StartFunction(spec); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// writeBaseline writes the template with the names this target uses and
// the tickets section: one webhook sink, the lab's, signed with the key in
// the seeded signing secret.
func (l *Lab) writeBaseline(template string) (string, error) {
	b, err := os.ReadFile(template)
	if err != nil {
		return "", fmt.Errorf("baseline template: %w", err)
	}
	if bytes.Contains(b, []byte("\ntickets:")) {
		return "", errors.New("baseline template: the lab appends the tickets section; remove it from " + template)
	}
	s := strings.NewReplacer("function:"+rotationFunction, "function:"+l.Infra.RotationFunction, keyAlias, l.Infra.KeyAlias).Replace(string(b))
	s += fmt.Sprintf("\ntickets:\n  sinks:\n    - type: webhook\n      name: lab\n      url: %s\n      signingSecretArn: %s\n",
		l.Sink.URL, l.Account.SigningSecretARN)
	path := filepath.Join(l.dir, "baseline.yaml")
	return path, os.WriteFile(path, []byte(s), 0o600)
}

// Function returns the named function, or an error naming what is running.
func (l *Lab) Function(name string) (*Function, error) {
	if f, ok := l.Functions[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("function %s is not running (binaries given: %d)", name, len(l.Functions))
}

// Close stops the functions, the recorder and the sink, and removes the
// lab's files. It does not touch the target.
func (l *Lab) Close() {
	if l == nil {
		return
	}
	for _, f := range l.Functions {
		f.Stop()
	}
	if l.Recorder != nil {
		l.Recorder.Close()
	}
	if l.Sink != nil {
		l.Sink.Close()
	}
	for _, c := range l.logs {
		_ = c.Close()
	}
	if l.dir != "" {
		_ = os.RemoveAll(l.dir)
	}
}
