package lambdaenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secretguard/secretguard/shared/awsenv"
	"github.com/secretguard/secretguard/shared/baseline"
)

// stdout and exit are os.Stdout and os.Exit, but for tests.
var (
	stdout io.Writer = os.Stdout
	exit             = os.Exit
)

// Init builds a function's handler once, at cold start: it calls setup
// with a background context, the process environment and the functions'
// logger (JSON lines on stdout, which Lambda sends to CloudWatch Logs), and
// returns the handler for lambda.Start. When setup fails, Init logs one
// "init failed" line with the error and exits with status 1, so that the
// init error is in the function's log and Lambda reports
// Runtime.ExitError.
func Init[H any](setup func(ctx context.Context, env Env, log *slog.Logger) (H, error)) H {
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	h, err := setup(context.Background(), os.Getenv, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		exit(1)
	}
	return h
}

// Env reads a function's environment variables: os.Getenv in main, a map
// in tests.
type Env func(name string) string

// Or returns the variable name, or def when it is unset or empty.
func (e Env) Or(name, def string) string {
	if v := e(name); v != "" {
		return v
	}
	return def
}

// PositiveInt returns the variable name as a whole number >= 1, or def
// when it is unset or empty; any other value is an error naming it.
func (e Env) PositiveInt(name string, def int) (int, error) {
	v := e(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s=%q: want a whole number >= 1", name, v)
	}
	return n, nil
}

// Load loads what every function starts from: the SDK config (awsenv.Load
// with opts, in the Region AWS_REGION names) and the baseline BASELINE
// names ("" for the embedded default, "ssm:<name>" read with an
// awsenv.ParameterReader, or a file path).
func Load(ctx context.Context, env Env, opts awsenv.Options) (aws.Config, *baseline.Baseline, error) {
	opts.Region = env("AWS_REGION")
	cfg, err := awsenv.Load(ctx, opts)
	if err != nil {
		return aws.Config{}, nil, err
	}
	b, err := baseline.Load(ctx, env("BASELINE"), awsenv.NewParameterReader(cfg))
	if err != nil {
		return aws.Config{}, nil, err
	}
	return cfg, b, nil
}
