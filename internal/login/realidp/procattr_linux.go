package realidp

import "syscall"

// procAttr has the kernel kill oidc-provider if the test process dies without
// calling Close (a panic, a timeout), so no provider outlives its tests.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
