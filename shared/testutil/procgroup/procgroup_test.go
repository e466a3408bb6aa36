//go:build linux

package procgroup

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStopEndsTheGroup starts a shell that forks a grandchild and checks
// that Stop ends both, and that a child that ignores SIGTERM is killed.
func TestStopEndsTheGroup(t *testing.T) {
	tests := []struct{ name, script string }{
		{"exits on SIGTERM", "sleep 30 & echo $!; wait"},
		{"ignores SIGTERM", "trap '' TERM; sleep 30 & echo $!; wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("sh", "-c", tt.script)
			cmd.Stdout = w
			p, err := Start(cmd, false, func() { _ = w.Close() })
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 32)
			n, _ := r.Read(buf)
			grandchild, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
			if err != nil {
				t.Fatalf("grandchild pid %q: %v", buf[:n], err)
			}
			start := time.Now()
			p.Stop(300 * time.Millisecond)
			if !p.Exited() {
				t.Fatal("Stop returned before the child exited")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Stop took %s", d)
			}
			deadline := time.Now().Add(2 * time.Second)
			for syscall.Kill(grandchild, 0) == nil { // a zombie until init reaps it
				if isZombie(grandchild) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("grandchild %d survived Stop", grandchild)
				}
				time.Sleep(20 * time.Millisecond)
			}
			p.Stop(time.Second) // a second Stop is a no-op
		})
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] == "Z"
}
