package testproc

import (
	"errors"
	"testing"
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
