//go:build !linux

package procgroup

import (
	"os/exec"
	"syscall"
)

// sysProcAttr has no process group nor parent-death signal outside Linux:
// a killed parent can leave the child running there; Stop still ends it
// normally.
func sysProcAttr(bool) *syscall.SysProcAttr { return nil }

func terminate(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

func kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
