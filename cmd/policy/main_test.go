package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeLinesWork runs every `go run ./cmd/policy explain` line of the
// README, as written, from the repository's root: each explains a decision
// and exits 0, whatever the decision.
func TestReadmeLinesWork(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "policy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := regexp.MustCompile(`(?m)^go run \./cmd/policy (explain .*)$`).FindAllStringSubmatch(string(readme), -1)
	if len(lines) < 3 {
		t.Fatalf("README has %d policy explain lines; want at least 3", len(lines))
	}
	for _, l := range lines {
		cmd := exec.Command(bin, strings.Fields(l[1])...)
		cmd.Dir = "../.."
		out, err := cmd.CombinedOutput()
		if err != nil || !regexp.MustCompile(`^(ALLOW|DENY): `).Match(out) {
			t.Errorf("policy %s: %v\n%s", l[1], err, out)
		}
	}
}

func TestExitCodeOnlyWhenAsked(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "policy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"explain", "--principal", "reader", "--action", "read", "--post", "draft"}, 0},
		{[]string{"explain", "--principal", "reader", "--action", "read", "--post", "draft", "--exit-code"}, 3},
		{[]string{"explain", "--principal", "reader", "--action", "read", "--post", "published", "--exit-code"}, 0},
		{[]string{"explain", "--principal", "reader", "--action", "fly", "--post", "published"}, 2},
	}
	for _, tc := range tests {
		err := exec.Command(bin, tc.args...).Run()
		got := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			got = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("policy %v exited %d; want %d", tc.args, got, tc.want)
		}
	}
}
