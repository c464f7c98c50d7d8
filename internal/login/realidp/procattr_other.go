//go:build !linux

package realidp

import "syscall"

// procAttr: only Linux can tie the child's life to the test process; on
// other systems a test process that dies without Close leaves oidc-provider
// running.
func procAttr() *syscall.SysProcAttr { return nil }
