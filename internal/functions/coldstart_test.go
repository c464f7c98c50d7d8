package functions

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
)

// brokenSignIn is a configuration every function but sign-in's accepts: an
// identity provider, and a login-cookie key of the wrong size.
func brokenSignIn(t *testing.T) config.Config {
	t.Helper()
	cfg := depstest.Config(t, map[string]string{
		"LATCHKEY_OIDC_ISSUER": "https://idp.example", "LATCHKEY_OIDC_CLIENT_ID": "latchkey",
		"LATCHKEY_OIDC_CLIENT_SECRET": "s", "LATCHKEY_PUBLIC_URL": "https://app.example",
	})
	cfg.LoginKey = make([]byte, 16)
	return cfg
}

// TestLocalServerRefusesAFailingConstructor: the local gateway is built
// from every constructor, and one that fails stops it with the function's
// name and the reason, as the same failure stops that function's cold
// start on Lambda (TestColdStartFailsOnAFailingConstructor).
func TestLocalServerRefusesAFailingConstructor(t *testing.T) {
	d := depstest.Local(brokenSignIn(t))
	_, err := Gateway(d)
	if err == nil || !strings.Contains(err.Error(), "function auth-callback") || !strings.Contains(err.Error(), "LATCHKEY_LOGIN_KEY") {
		t.Fatalf("Gateway with a 16-byte login key = %v; want the sign-in function named and the key blamed", err)
	}
}

// TestColdStartFailsOnAFailingConstructor runs a function's bootstrap as
// Lambda would, with a sign-in configuration that cannot work: it exits
// non-zero before serving anything, with one log line that says why.
func TestColdStartFailsOnAFailingConstructor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a function")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if out, err := exec.Command("go", "build", "-o", bin, "../../functions/auth-login").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"LATCHKEY_OIDC_ISSUER=https://idp.example", "LATCHKEY_OIDC_CLIENT_ID=latchkey", "LATCHKEY_OIDC_CLIENT_SECRET=s",
		"LATCHKEY_PUBLIC_URL=https://app.example", "LATCHKEY_DYNAMODB_ENDPOINT=http://127.0.0.1:9"} // no login key
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("bootstrap = %v; want exit status 1", err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"msg":"cold start failed"`) || !strings.Contains(lines[0], "LATCHKEY_LOGIN_KEY") {
		t.Fatalf("stderr = %q; want one line saying the cold start failed and why", stderr.String())
	}
}
