//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/secretguard/secretguard/shared/testutil/awsfix"
	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

// openPTY returns both ends of a new pseudo-terminal: the program writes to
// tty, the test reads what it wrote from ptm.
func openPTY(t *testing.T) (ptm, tty *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	ioctl := func(req uintptr, arg unsafe.Pointer) {
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, ptm.Fd(), req, uintptr(arg)); errno != 0 {
			t.Fatalf("ioctl %#x: %v", req, errno)
		}
	}
	var unlock int32
	ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock))
	var n uint32
	ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n))
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pts: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return ptm, tty
}

func TestIsTerminal(t *testing.T) {
	_, tty := openPTY(t)
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	regular, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	for _, tt := range []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"pty", tty, true},
		{"/dev/null, a character device", devNull, false},
		{"regular file", regular, false},
		{"buffer", &bytes.Buffer{}, false},
		{"nil file", (*os.File)(nil), false},
	} {
		if got := isTerminal(tt.w); got != tt.want {
			t.Errorf("isTerminal(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// On a terminal the table is coloured and stderr shows progress that it
// clears; --no-color turns the colour off.
func TestScanOnTerminal(t *testing.T) {
	srv := motoserver.Start(t)
	srv.Reset(t)
	s := newSeeder(t, srv, primaryRegion)
	key := s.key()
	s.create(secretSpec{name: "app/term@x", key: key, tags: goodTags})
	file := writeBaseline(t, fmt.Sprintf(baselineTemplate, key))
	awsfix.MotoEnv(t, srv, primaryRegion)

	runOnTTY := func(args ...string) (code int, tty string) {
		ptm, pts := openPTY(t)
		got := make(chan string)
		go func() {
			b, _ := io.ReadAll(ptm) // ends with EIO once pts is closed
			got <- string(b)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		code = run(ctx, args, pts, pts)
		pts.Close()
		return code, <-got
	}

	code, out := runOnTTY("scan", "--baseline", file, "--check", "cmk,rotation-enabled")
	if code != exitNonCompliant {
		t.Fatalf("exit %d:\n%q", code, out)
	}
	for _, want := range []string{
		"\rscanning us-east-1: 1 secrets", "\r\x1b[K", // progress, then cleared
		"\x1b[1mapp/term@x\x1b[0m",      // bold name
		"\x1b[32mCOMPLIANT     \x1b[0m", // green
		"\x1b[31mNON_COMPLIANT \x1b[0m", // red
	} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}

	_, out = runOnTTY("scan", "--baseline", file, "--check", "cmk", "--no-color")
	if strings.Contains(out, "\x1b[3") || strings.Contains(out, "\x1b[1m") || !strings.Contains(out, "COMPLIANT") {
		t.Errorf("--no-color output:\n%q", out)
	}

	// JSON is never coloured, terminal or not.
	_, out = runOnTTY("scan", "--baseline", file, "--check", "cmk", "--output", "json")
	if strings.Contains(out, "\x1b[3") || !strings.Contains(out, `"check":"cmk"`) {
		t.Errorf("json on a terminal:\n%q", out)
	}
}
