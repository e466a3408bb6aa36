// Package procgroup runs a child process in its own process group, so that
// stopping it also stops whatever it forked (moto_server's workers, the
// Lambda Runtime Interface Emulator's function process), and, on Linux,
// has the kernel kill it when the parent dies unless it is started
// detached.
//
//	p, err := procgroup.Start(exec.Command("moto_server"), false)
//	...
//	defer p.Stop(5 * time.Second) // SIGTERM to the group, SIGKILL after 5 s
//
// It serves shared/testutil/motoserver and the end-to-end harness in tests/lab.
package procgroup
