package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cfnLintIgnored are the warning rules the templates are known to raise,
// each with its reason. Every other finding, error or warning, fails.
var cfnLintIgnored = map[string]string{
	"W3005": "the CDK writes a DependsOn on each function's role (and the BucketDeployment's) beside the " +
		"GetAtt of the role's ARN that already orders them: redundant, and harmless",
}

// TestTemplatesPassCfnLint runs cfn-lint on every synthesized template,
// with no settings and with every setting (a domain, the WAF, the GitHub
// deploy role): no error,
// and no warning that cfnLintIgnored does not explain. It is skipped when
// cfn-lint is not installed, unless LATCHKEY_REQUIRE_CFNLINT is set (CI).
func TestTemplatesPassCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv("LATCHKEY_REQUIRE_CFNLINT") != "" {
			t.Fatal("cfn-lint is not installed, and LATCHKEY_REQUIRE_CFNLINT is set")
		}
		t.Skip("cfn-lint is not installed")
	}
	dir := t.TempDir()
	var files []string
	for name, tmpl := range map[string]map[string]any{"plain": plain(t).tmpl, "full": full(t).tmpl, "full-edge": full(t).edge, "full-github": full(t).github} {
		raw, err := json.Marshal(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, name+".template.json")
		if err := os.WriteFile(f, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	args := []string{"--format", "parseable"}
	for rule := range cfnLintIgnored {
		args = append(args, "--ignore-checks="+rule)
	}
	cmd := exec.Command(bin, append(args, files...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
	if findings := strings.TrimSpace(string(out)); findings != "" || err != nil {
		t.Fatalf("cfn-lint found (exit %v):\n%s", err, findings)
	}
}
