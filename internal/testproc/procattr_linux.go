package testproc

import "syscall"

// ProcAttr has the kernel kill the child if the test process dies without
// stopping it (a panic, a timeout), so no server outlives its tests.
func ProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
