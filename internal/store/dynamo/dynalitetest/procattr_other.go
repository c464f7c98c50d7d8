//go:build !linux

package dynalitetest

import "syscall"

// procAttr: only Linux can tie the child's life to the test process; on
// other systems a test process that dies without Close leaves dynalite
// running.
func procAttr() *syscall.SysProcAttr { return nil }
