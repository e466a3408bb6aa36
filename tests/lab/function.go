package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secretguard/secretguard/shared/testutil/procgroup"
)

// FunctionSpec says how to run one function binary under the emulator.
type FunctionSpec struct {
	Name      string        // AWS_LAMBDA_FUNCTION_NAME
	Bootstrap string        // the function binary
	RIE       string        // the aws-lambda-rie binary
	Env       []string      // the function's environment (KEY=value), besides PATH and HOME
	Timeout   time.Duration // AWS_LAMBDA_FUNCTION_TIMEOUT; 0: 300 s
	Log       io.Writer     // optional: a copy of the emulator's and the function's output
}

// Function is one function binary running under the Lambda Runtime
// Interface Emulator (RIE), which starts the binary on the first invocation
// and keeps it warm for the next ones, as Lambda does.
type Function struct {
	Name string
	url  string
	proc *procgroup.Process
	logs *syncBuffer
	mu   sync.Mutex // the emulator runs one invocation at a time
}

// Invocation is the answer to one invocation.
type Invocation struct {
	Payload  json.RawMessage // the function's result, or its error payload
	Error    *FunctionError  // set when the function returned an error
	Duration time.Duration
}

// FunctionError is the payload of a function error, as Lambda returns it.
type FunctionError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// StartFunction starts the emulator for spec on two free loopback ports
// (its invoke API and the Runtime API it serves the function) and waits
// until it accepts invocations.
func StartFunction(spec FunctionSpec) (*Function, error) {
	var lastErr error
	for range 3 { // a free port can be taken before the emulator binds it
		f, err := startFunction(spec)
		if err == nil {
			return f, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startFunction(spec FunctionSpec) (*Function, error) {
	invokeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	timeout := spec.Timeout
	if timeout == 0 {
		timeout = 300 * time.Second
	}
	f := &Function{Name: spec.Name, url: "http://" + invokeAddr + "/2015-03-31/functions/function/invocations", logs: &syncBuffer{}}
	cmd := exec.Command(spec.RIE, "--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", runtimeAddr, spec.Bootstrap)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_LAMBDA_FUNCTION_NAME=" + spec.Name,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(timeout.Seconds())),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
	}, spec.Env...)
	var out io.Writer = f.logs
	if spec.Log != nil {
		out = io.MultiWriter(f.logs, spec.Log)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if f.proc, err = procgroup.Start(cmd, false, nil); err != nil {
		return nil, fmt.Errorf("function %s: %w", spec.Name, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", invokeAddr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return f, nil
		}
		if f.proc.Exited() || time.Now().After(deadline) {
			f.Stop()
			return nil, fmt.Errorf("function %s: the emulator did not start on %s: %v\n%s", spec.Name, invokeAddr, err, f.LogTail(2048))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Invoke sends one event, as `aws lambda invoke` would, and returns the
// function's answer. A function error is an Invocation with Error set, not
// an error; an error means the function could not run (init failed,
// crashed, timed out) and carries the end of its log.
func (f *Function) Invoke(ctx context.Context, payload []byte) (*Invocation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", f.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: read the answer: %w", f.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("invoke %s: emulator answered %s %q (the function failed to start or crashed)\n%s",
			f.Name, resp.Status, bytes.TrimSpace(body), f.LogTail(3000))
	}
	inv := &Invocation{Payload: body, Duration: time.Since(start)}
	if fe := functionError(body); fe != nil {
		inv.Error = fe
	}
	return inv, nil
}

// functionError recognises Lambda's error payload: an object with
// errorMessage and errorType (and perhaps stackTrace) and nothing else.
func functionError(body []byte) *FunctionError {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	if _, ok := m["errorMessage"]; !ok {
		return nil
	}
	for k := range m {
		if k != "errorMessage" && k != "errorType" && k != "stackTrace" {
			return nil
		}
	}
	var fe FunctionError
	if json.Unmarshal(body, &fe) != nil {
		return nil
	}
	return &fe
}

// InvokeJSON invokes with v marshalled, and decodes a successful result
// into out (when not nil). A function error is returned as *FunctionError.
func (f *Function) InvokeJSON(ctx context.Context, v, out any) (*Invocation, error) {
	payload, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	inv, err := f.Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	if inv.Error != nil {
		return inv, inv.Error
	}
	if out != nil {
		if err := json.Unmarshal(inv.Payload, out); err != nil {
			return inv, fmt.Errorf("%s: decode the result: %w", f.Name, err)
		}
	}
	return inv, nil
}

var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// InitDuration is the emulator's INIT REPORT of the function's first start:
// from the start of init (the emulator launching the binary) until the
// function asked the Runtime API for its first invocation. It is known
// after the first invocation.
func (f *Function) InitDuration() (time.Duration, bool) {
	m := initReport.FindStringSubmatch(f.logs.String())
	if m == nil {
		return 0, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// LogTail returns the last n bytes of Logs.
func (f *Function) LogTail(n int) string {
	s := f.logs.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}

// Stop stops the emulator and the function process (their process group).
func (f *Function) Stop() {
	if f != nil {
		f.proc.Stop(2 * time.Second)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
