package testproc

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestOnFreePortRetriesOnlyATakenPort(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name      string
		results   []error // what start returns, call by call
		wantCalls int
		wantErr   error
	}{
		{"first port works", []error{nil}, 1, nil},
		{"taken twice, then works", []error{ErrPortTaken, ErrPortTaken, nil}, 3, nil},
		{"another failure is not retried", []error{boom}, 1, boom},
		{"taken on every try", []error{ErrPortTaken, ErrPortTaken, ErrPortTaken, ErrPortTaken, ErrPortTaken}, 5, ErrPortTaken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			seen := map[int]bool{}
			port, err := OnFreePort("test", func(port int) (int, error) {
				err := tc.results[calls]
				calls++
				seen[port] = true
				return port, err
			})
			if calls != tc.wantCalls || !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("%d calls, err %v; want %d calls, err %v", calls, err, tc.wantCalls, tc.wantErr)
			}
			if err == nil && (port <= 0 || !seen[port]) {
				t.Errorf("port %d; want the one start succeeded on", port)
			}
		})
	}
}

func TestStart(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	start := func(script string, ready func(string) bool, timeout time.Duration) (*Proc, error) {
		return Start("child", "127.0.0.1:1", exec.Command(sh, "-c", script), ready, timeout)
	}
	printed := func(out string) bool { return strings.Contains(out, "ready") }

	p, err := start("echo ready; exec sleep 30", printed, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if p.Exited() || !strings.Contains(p.Output(), "ready") {
		t.Fatalf("exited %v, output %q; want running, having said ready", p.Exited(), p.Output())
	}
	if err := p.Stop(5 * time.Second); err != nil || !p.Exited() {
		t.Fatalf("Stop = %v, exited %v; want the child stopped", err, p.Exited())
	}
	if err := p.Kill(); err != nil {
		t.Errorf("Kill after Stop = %v; want nil", err)
	}

	for _, tc := range []struct {
		name, script string
		timeout      time.Duration
		want         []string
		taken        bool
	}{
		{"port taken (Node)", "echo 'Error: listen EADDRINUSE' >&2; exit 1", 5 * time.Second, []string{"start child on 127.0.0.1:1"}, true},
		{"port taken (Go)", "echo 'bind: address already in use' >&2; exit 1", 5 * time.Second, nil, true},
		{"exits", "echo no config >&2; exit 2", 5 * time.Second, []string{"start child: it exited before listening on 127.0.0.1:1", "no config"}, false},
		{"never ready", "echo starting; exec sleep 30", 200 * time.Millisecond, []string{"start child: not listening on 127.0.0.1:1 after 200ms", "starting"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := start(tc.script, printed, tc.timeout)
			if err == nil || errors.Is(err, ErrPortTaken) != tc.taken {
				t.Fatalf("err = %v; want an error, port taken %v", err, tc.taken)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v; want it to say %q", err, w)
				}
			}
		})
	}
}
