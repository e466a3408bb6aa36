package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// The Lambda Runtime Interface Emulator, pinned (the Makefile's rie target
// installs the same version).
const (
	RIEPackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	RIEVersion = "v0.0.0-20261030222936-bef5c4ba774d"
	rieBinary  = "aws-lambda-rie"
)

// module is this repository's module path, which RepoRoot looks for.
const module = "github.com/secretguard/secretguard"

// RepoRoot finds the repository root: the closest directory at or above
// the working directory whose go.mod declares this module.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module "+module+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the secretguard repository (no go.mod for " + module + ")")
		}
		dir = parent
	}
}

// Functions lists the functions: the directories under functions/ that
// hold Go files.
func Functions(root string) ([]string, error) {
	dirs, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range dirs {
		if m, _ := filepath.Glob(filepath.Join(root, "functions", d.Name(), "*.go")); d.IsDir() && len(m) > 0 {
			names = append(names, d.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Platform is a build target; the zero value is this machine.
type Platform struct{ GOOS, GOARCH string }

// LambdaARM64 is what Lambda runs (provided.al2023 on Graviton).
var LambdaARM64 = Platform{GOOS: "linux", GOARCH: "arm64"}

// Build builds each named function, as the Makefile does (CGO off,
// -tags lambda.norpc, -trimpath, -ldflags '-s -w'), with one go command,
// into dir/<name>/bootstrap, and returns the paths by name.
func Build(ctx context.Context, root, dir string, p Platform, names ...string) (map[string]string, error) {
	if len(names) == 0 {
		return nil, errors.New("build: no functions")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, ".build-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	args := []string{"build", "-trimpath", "-tags", "lambda.norpc", "-ldflags=-s -w", "-o", tmp + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./functions/"+n)
	}
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if p.GOOS != "" {
		cmd.Env = append(cmd.Env, "GOOS="+p.GOOS, "GOARCH="+p.GOARCH)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	paths := map[string]string{}
	for _, n := range names {
		dst := filepath.Join(dir, n, "bootstrap")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(tmp, n), dst); err != nil {
			return nil, err
		}
		paths[n] = dst
	}
	return paths, nil
}

// goTool is the go command: $GO (as make passes it), else go on PATH.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// RIE returns the emulator binary: bin/tools/aws-lambda-rie in the
// repository, else aws-lambda-rie on PATH, else it installs the pinned
// version into bin/tools with go install (about a minute the first time).
// It fails, naming the command, when none can be had.
func RIE(ctx context.Context, root string, progress func(string)) (string, error) {
	tools := filepath.Join(root, "bin", "tools")
	local := filepath.Join(tools, rieBinary)
	if fileExists(local) {
		return local, nil
	}
	if p, err := exec.LookPath(rieBinary); err == nil {
		return p, nil
	}
	if progress != nil {
		progress("installing the Lambda Runtime Interface Emulator into bin/tools (go install, about a minute the first time)")
	}
	cmd := exec.CommandContext(ctx, goTool(), "install", RIEPackage+"@"+RIEVersion)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOBIN="+tools)
	if out, err := cmd.CombinedOutput(); err != nil || !fileExists(local) {
		return "", fmt.Errorf("no %s in bin/tools or on PATH, and installing it failed (run: make rie, or GOBIN=%s go install %s@%s): %v\n%s",
			rieBinary, tools, RIEPackage, RIEVersion, err, out)
	}
	return local, nil
}
