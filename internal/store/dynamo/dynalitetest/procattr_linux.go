package dynalitetest

import "syscall"

// procAttr has the kernel kill dynalite if the test process dies without
// calling Close (a panic, a timeout), so no server outlives its tests.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
