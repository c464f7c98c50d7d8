//go:build !linux

package main

import (
	"os"
	"syscall"
)

// sysProcAttr: only Linux ties a child's life to this command's; elsewhere
// a child outlives a command killed without stopping it.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills the child alone.
func killGroup(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
