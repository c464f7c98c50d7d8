package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// child is a process this command started: it is stopped (with its
// process group) by stop, or by stopAll when the command ends, fails or is
// interrupted.
type child struct {
	name   string
	cmd    *exec.Cmd
	out    *capped
	exited chan struct{}
	once   sync.Once
}

// live are the children not yet stopped.
var live = struct {
	sync.Mutex
	m map[*child]bool
}{m: map[*child]bool{}}

// startChild starts cmd as a child named name. Its output is kept (the
// first 64 KB) for the error messages, unless cmd already has a Stdout or
// Stderr.
func startChild(name string, cmd *exec.Cmd) (*child, error) {
	c := &child{name: name, cmd: cmd, out: &capped{max: 64 << 10}, exited: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = c.out
	}
	if cmd.Stderr == nil {
		cmd.Stderr = c.out
	}
	cmd.SysProcAttr = sysProcAttr()
	live.Lock()
	defer live.Unlock()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	live.m[c] = true
	go func() {
		_ = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// stop kills the child's process group and waits for the child to exit.
func (c *child) stop() {
	c.once.Do(func() {
		if err := killGroup(c.cmd.Process.Pid); err != nil && !errors.Is(err, os.ErrProcessDone) {
			_ = c.cmd.Process.Kill()
		}
		<-c.exited
		live.Lock()
		delete(live.m, c)
		live.Unlock()
	})
}

// running reports whether the child has not exited.
func (c *child) running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// stopAll stops every child still running.
func stopAll() {
	live.Lock()
	cs := make([]*child, 0, len(live.m))
	for c := range live.m {
		cs = append(cs, c)
	}
	live.Unlock()
	for _, c := range cs {
		c.stop()
	}
}

// rss is a process's resident memory in bytes, from /proc/<pid>/status
// (Linux).
func rss(pid int) (int64, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS line")
}

// capped keeps the first max bytes written to it and drops the rest.
type capped struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.buf)
}
