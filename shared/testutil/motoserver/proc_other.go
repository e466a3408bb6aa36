//go:build !linux

package motoserver

import (
	"os/exec"
	"syscall"
)

// sysProcAttr has no parent-death signal outside Linux: a killed test binary
// can leave moto running there; Stop (via Main) still ends it normally.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func terminate(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

func kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
