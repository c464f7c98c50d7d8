// Package examples runs every program of examples/ against a local
// Latchkey, as its README line runs it.
package examples

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/browsertest"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/devserver"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/openapi/openapitest"
	"github.com/latchkey/latchkey/internal/seed"
)

// TestExamples runs each example with a valid key (it prints the seeded
// author and exits 0), with a revoked key and with a malformed one (it
// prints the API's message and exits non-zero). Python is skipped, saying
// so, only when python3 or its requests package is missing.
func TestExamples(t *testing.T) {
	srv, base := browsertest.Unstarted(t)
	cfg := depstest.Config(t, map[string]string{"LATCHKEY_PUBLIC_URL": base, "LATCHKEY_CACHE_TTL": "0s"})
	d := depstest.Local(cfg)
	h, err := devserver.New(context.Background(), d, os.DirFS("../web"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = openapitest.Middleware(t, h)
	srv.Start()

	good, err := devserver.DemoKey(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	m := keys.Manager{Keys: d.Stores.Keys, Env: cfg.Env, Rand: rand.Reader, Now: time.Now}
	k, revoked, err := m.Issue(context.Background(), seed.Author.ID, keys.NewKey{Label: "revoked", Permissions: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Delete(context.Background(), seed.Author.ID, k.ID); err != nil {
		t.Fatal(err)
	}

	programs := []struct {
		name string
		cmd  []string
		need func() string // why it cannot run here, or ""
	}{
		{"curl", []string{"sh", "examples/curl.sh"}, func() string { return missing("curl") }},
		{"python", []string{"python3", "examples/python/me.py"}, pythonRequests},
		{"python basic", []string{"python3", "examples/python/me.py", "--basic"}, pythonRequests},
		{"go", []string{"go", "run", "./examples/go"}, func() string { return "" }},
		{"node", []string{"node", "examples/node/me.mjs"}, func() string { return missing("node") }},
	}
	for _, p := range programs {
		t.Run(p.name, func(t *testing.T) {
			if why := p.need(); why != "" {
				if p.name == "curl" || p.name == "node" || os.Getenv("LATCHKEY_REQUIRE_EXAMPLES") != "" {
					t.Fatal(why)
				}
				t.Skip(why)
			}
			for _, tc := range []struct {
				name, key, want string
				ok              bool
			}{
				{"a valid key", good, "ada@example.com", true},
				{"a revoked key", revoked, "a valid API key or session is required", false},
				{"a malformed key", "lk_test_nope", "a valid API key or session is required", false},
			} {
				cmd := exec.Command(p.cmd[0], p.cmd[1:]...)
				cmd.Dir = ".."
				cmd.Env = append(os.Environ(), "LATCHKEY_URL="+base, "LATCHKEY_API_KEY="+tc.key)
				out, err := cmd.CombinedOutput()
				if (err == nil) != tc.ok || !strings.Contains(string(out), tc.want) {
					t.Errorf("%s with %s: %v\n%s\nwant exit ok = %v and %q", p.name, tc.name, err, out, tc.ok, tc.want)
				}
				if strings.Contains(string(out), tc.key) {
					t.Errorf("%s printed the key", p.name)
				}
			}
		})
	}
}

func missing(name string) string {
	if _, err := exec.LookPath(name); err != nil {
		return name + " is not installed"
	}
	return ""
}

func pythonRequests() string {
	if why := missing("python3"); why != "" {
		return why + "; the Python example is not run"
	}
	if err := exec.Command("python3", "-c", "import requests").Run(); err != nil {
		return "python3 has no requests package (pip install requests); the Python example is not run"
	}
	return ""
}
