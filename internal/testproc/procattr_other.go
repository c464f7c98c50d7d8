//go:build !linux

package testproc

import "syscall"

// ProcAttr: only Linux can tie a child's life to the test process; on other
// systems a test process that dies without stopping its child leaves it
// running.
func ProcAttr() *syscall.SysProcAttr { return nil }
