package procgroup

import (
	"fmt"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// Process is a child started by Start.
type Process struct {
	Cmd *exec.Cmd

	done chan struct{} // closed when the child has exited
	stop sync.Once
}

// Start starts cmd in a new process group. Unless detach is set, the child
// gets a parent-death signal (Linux): it is killed when this process dies,
// even by SIGKILL. A detached child outlives this process; Stop still ends
// it. onExit, if not nil, runs once the child has exited (closing its log
// files, say).
func Start(cmd *exec.Cmd, detach bool, onExit func()) (*Process, error) {
	cmd.SysProcAttr = sysProcAttr(detach)
	p := &Process{Cmd: cmd, done: make(chan struct{})}
	// Pdeathsig fires when the creating OS thread exits, not the process:
	// start and wait on a locked thread that outlives the child.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		if onExit != nil {
			onExit()
		}
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	return p, nil
}

// PID is the child's process ID, which is also its process group ID.
func (p *Process) PID() int { return p.Cmd.Process.Pid }

// Exited reports whether the child has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to the child's process group, waits up to grace for
// the child to exit, then sends SIGKILL to the group and waits. It is safe
// to call more than once and from several goroutines.
func (p *Process) Stop(grace time.Duration) {
	if p == nil {
		return
	}
	p.stop.Do(func() {
		terminate(p.Cmd)
		select {
		case <-p.done:
		case <-time.After(grace):
		}
		// The group may hold children that outlive the leader.
		kill(p.Cmd)
		<-p.done
	})
}
