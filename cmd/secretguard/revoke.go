package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasvc "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
	"github.com/secretguard/secretguard/shared/revoke"
)

const revokeUsage = `Usage: secretguard revoke (--secret ID... | --tag KEY=VALUE...) --reason TEXT --incident ID [flags]

Cuts off access to compromised secrets (a Deny in their resource policy),
rotates them, optionally revokes the sessions of the roles that read them,
lifts the Deny once the credential is replaced, and emits a Secret Revoked
event. Invoking again with the same --incident resumes where it stopped.
Runs locally (state table in TABLE_NAME, bus in EVENT_BUS_NAME) or, with
--function, in the deployed revoker Lambda.
Exit codes: 0 done (or dry run), 1 error or not replaced (the Deny stays), 2 usage.

`

// tagFlag is a repeatable KEY=VALUE flag; values may contain commas.
type tagFlag map[string]string

func (t tagFlag) String() string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k+"="+t[k])
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (t tagFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	t[k] = val
	return nil
}

func cmdRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var secrets multiFlag
	tags := tagFlag{}
	var req revoke.Request
	var region, baselineSrc, function, output string
	var timeout time.Duration
	fs := flag.NewFlagSet("revoke", flag.ContinueOnError)
	fs.Var(&secrets, "secret", "secret name or ARN (repeatable)")
	fs.Var(tags, "tag", "select the secrets carrying the tag KEY=VALUE (repeatable: all must match)")
	fs.StringVar(&req.Reason, "reason", "", "why access is revoked (required)")
	fs.StringVar(&req.IncidentID, "incident", "", "incident ID (required); the same ID resumes")
	fs.BoolVar(&req.DryRun, "dry-run", false, "list every call that would be made, change nothing")
	fs.BoolVar(&req.RevokeSessions, "revoke-sessions", false, "revoke the sessions of the roles CloudTrail saw reading the secrets")
	fs.BoolVar(&req.KeepDeny, "keep-deny", false, "keep the Deny after a successful rotation")
	fs.StringVar(&req.BreakGlassRole, "break-glass-role", "", "role ARN the Deny spares (besides the baseline's breakGlassRoles)")
	fs.IntVar(&req.LookbackHours, "lookback-hours", 0, "CloudTrail look-back for readers (default 24)")
	fs.DurationVar(&timeout, "rotation-timeout", 0, "bound on the wait for each rotation (default 5m)")
	fs.StringVar(&region, "region", "", "Region of the secrets (default: the configured Region)")
	fs.StringVar(&baselineSrc, "baseline", "", "baseline file or ssm:<name> (local runs; default: the embedded baseline)")
	fs.StringVar(&function, "function", "", "invoke the deployed revoker Lambda (name or ARN) instead of running locally")
	fs.StringVar(&output, "output", "table", "output format: table or json")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), revokeUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := checkOutput("revoke", output); err != nil {
		return err
	}
	if function != "" && baselineSrc != "" {
		return usageError{"revoke: --baseline applies to local runs; the function uses its own"}
	}
	if timeout < 0 || (timeout > 0 && timeout < time.Second) {
		return usageError{fmt.Sprintf("revoke: --rotation-timeout %s: want at least 1s", timeout)}
	}
	req.RotationTimeoutSeconds = int(timeout / time.Second)
	req.Secrets = secrets
	if len(tags) > 0 {
		req.TagFilter = tags
	}
	if err := req.Validate(0); err != nil {
		return usageError{"revoke: " + strings.ReplaceAll(err.Error(), revoke.ErrInvalidRequest.Error()+": ", "")}
	}
	cfg, err := awsenv.Load(ctx, awsenv.Options{Region: region})
	if err != nil {
		return err
	}
	var rep *revoke.Report
	if function != "" {
		rep, err = invokeRevoker(ctx, lambdasvc.NewFromConfig(cfg), function, req)
	} else {
		rep, err = revokeLocally(ctx, cfg, baselineSrc, req, stderr)
	}
	if rep == nil {
		return err
	}
	if perr := printReport(stdout, rep, output); perr != nil {
		return perr
	}
	if err != nil {
		fmt.Fprintf(stderr, "secretguard: %s\n", err)
	}
	if err != nil || !rep.OK {
		return codeError{exitError}
	}
	return nil
}

func revokeLocally(ctx context.Context, cfg aws.Config, baselineSrc string, req revoke.Request, stderr io.Writer) (*revoke.Report, error) {
	b, err := baseline.Load(ctx, baselineSrc, awsenv.NewParameterReader(cfg))
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := revoke.NewRunner(cfg, b, os.Getenv("TABLE_NAME"), os.Getenv("EVENT_BUS_NAME"), log)
	return r.Run(ctx, req)
}

// lambdaInvoker is the part of the Lambda API the CLI calls.
type lambdaInvoker interface {
	Invoke(ctx context.Context, in *lambdasvc.InvokeInput, optFns ...func(*lambdasvc.Options)) (*lambdasvc.InvokeOutput, error)
}

// invokeRevoker sends the request to the deployed revoker and decodes its
// report; a function error (a refused request) is returned as the error.
func invokeRevoker(ctx context.Context, c lambdaInvoker, function string, req revoke.Request) (*revoke.Report, error) {
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	out, err := c.Invoke(ctx, &lambdasvc.InvokeInput{FunctionName: &function, Payload: payload})
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", function, err)
	}
	if out.FunctionError != nil {
		var fe struct {
			Message string `json:"errorMessage"`
			Type    string `json:"errorType"`
		}
		_ = json.Unmarshal(out.Payload, &fe)
		if fe.Message == "" {
			fe.Message = string(out.Payload)
		}
		return nil, fmt.Errorf("revoker %s refused: %s", function, fe.Message)
	}
	var rep revoke.Report
	if err := json.Unmarshal(out.Payload, &rep); err != nil || rep.Summary == "" {
		return nil, errors.Join(fmt.Errorf("revoker %s returned no report: %.200s", function, out.Payload), err)
	}
	return &rep, nil
}

func printReport(w io.Writer, rep *revoke.Report, output string) error {
	if output == "json" {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return rep.WriteText(w)
}
