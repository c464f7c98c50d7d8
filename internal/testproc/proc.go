package testproc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Proc is a server running as a child process: its output is kept and its
// exit watched.
type Proc struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd.Wait has returned
	output *Output
}

// Start starts cmd as the child named name (in the errors) that is to
// listen on addr, tied to the test process (ProcAttr) and its output kept,
// then waits as Await does until ready, given the output so far, says it
// is ready; the child is killed if it is not.
func Start(name, addr string, cmd *exec.Cmd, ready func(output string) bool, timeout time.Duration) (*Proc, error) {
	p := &Proc{name: name, cmd: cmd, exited: make(chan struct{}), output: &Output{}}
	cmd.SysProcAttr = ProcAttr()
	cmd.Stdout, cmd.Stderr = p.output, p.output
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	if err := Await(name, addr, p.exited, p.output.String, ready, timeout); err != nil {
		_ = p.Kill()
		return nil, err
	}
	return p, nil
}

// Await calls ready with the child's output every 20 ms until it reports
// true, and fails when the child exits first (with ErrPortTaken when its
// output says the port was in use, for OnFreePort to try another) or after
// timeout; the errors name the child and addr and carry its output. exited
// is closed when the child has exited.
func Await(name, addr string, exited <-chan struct{}, output func() string, ready func(output string) bool, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			out := output()
			// Node says EADDRINUSE, Go and most others "address already in use".
			if strings.Contains(out, "EADDRINUSE") || strings.Contains(out, "address already in use") {
				return fmt.Errorf("start %s on %s: %w", name, addr, ErrPortTaken)
			}
			return fmt.Errorf("start %s: it exited before listening on %s; output:\n%s", name, addr, out)
		default:
		}
		if ready(output()) {
			return nil
		}
	}
	return fmt.Errorf("start %s: not listening on %s after %v; output:\n%s", name, addr, timeout, output())
}

// Listening is a ready function for Start and Await: the child is ready
// once addr accepts TCP connections.
func Listening(addr string) func(output string) bool {
	return func(string) bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
}

// Exited reports whether the child has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Output returns what the child has printed so far.
func (p *Proc) Output() string { return p.output.String() }

// Kill kills the child by its PID and waits for it to exit.
func (p *Proc) Kill() error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop %s: %w", p.name, err)
	}
	<-p.exited
	return nil
}

// Stop asks the child to end (SIGTERM) and kills it if it has not exited
// within grace; it waits for the child to exit.
func (p *Proc) Stop(grace time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		if errors.Is(err, os.ErrProcessDone) {
			<-p.exited
			return nil
		}
		// Not every system can send SIGTERM; kill instead.
		return p.Kill()
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(grace):
		return p.Kill()
	}
}
