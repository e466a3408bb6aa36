//go:build linux

package procgroup

import (
	"os/exec"
	"syscall"
)

// sysProcAttr puts the child in its own process group (so Stop reaches any
// child it forks) and, unless detached, has the kernel kill it if this
// process dies.
func sysProcAttr(detach bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if !detach {
		a.Pdeathsig = syscall.SIGKILL
	}
	return a
}

func terminate(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

func kill(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
