package main

import (
	"syscall"

	"github.com/latchkey/latchkey/internal/testproc"
)

// sysProcAttr puts a child in a process group of its own (so that what it
// starts, such as the emulator's bootstrap, is stopped with it) and has the
// kernel kill it if this command dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	a := testproc.ProcAttr()
	a.Setpgid = true
	return a
}

// killGroup kills the process group led by pid: the child and everything
// it started.
func killGroup(pid int) error { return syscall.Kill(-pid, syscall.SIGKILL) }
