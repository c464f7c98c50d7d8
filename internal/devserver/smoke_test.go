package devserver

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/keys"
	"github.com/latchkey/latchkey/internal/seed"
)

// TestSmokeScript runs scripts/smoke.sh, the check docs/DEPLOY.md has a
// deployer run after a deploy, against the local server (every check it
// can make over http passes, with a read-only key too), and against a
// server that answers 200 to everything without a header (it fails); its
// execute-api check passes only on the web ACL's own 403.
func TestSmokeScript(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed by scripts/smoke.sh")
	}
	srv, d := newServerDeps(t)
	m := keys.Manager{Keys: d.Stores.Keys, Env: d.Config.Env, Rand: rand.Reader, Now: time.Now}
	_, readKey, err := m.Issue(context.Background(), seed.Author.ID, keys.NewKey{Label: "smoke", Permissions: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(url string, env ...string) (string, error) {
		cmd := exec.Command("bash", "scripts/smoke.sh", url)
		cmd.Dir = "../.."
		cmd.Env = append(cmd.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(srv.URL, "LATCHKEY_API_KEY="+readKey)
	if err != nil || strings.Contains(out, "FAIL") || !strings.Contains(out, "ok    a read-only key may not write (403)") {
		t.Fatalf("smoke.sh against the local server: %v\n%s", err, out)
	}
	if strings.Contains(out, readKey) {
		t.Fatal("smoke.sh printed the key")
	}

	// LATCHKEY_EXECUTE_API_URL: only the web ACL's 403, whose body is the
	// front door's, passes; API Gateway's bare 403 (a stage that does not
	// exist) fails, as does any answer.
	for _, tc := range []struct {
		name   string
		status int
		body   string
		ok     bool
	}{
		{"the web ACL's refusal", 403, httpx.ErrorResponse(frontdoor.ErrNotThroughFrontDoor).Body, true},
		{"API Gateway's own 403", 403, `{"message":"Forbidden"}`, false},
		{"an answer", 200, `{"posts":[]}`, false},
	} {
		direct := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		}))
		out, err := run(srv.URL, "LATCHKEY_EXECUTE_API_URL="+direct.URL+"/prod/api")
		direct.Close()
		passed := err == nil && strings.Contains(out, "ok    API Gateway's own address refuses")
		if passed != tc.ok {
			t.Errorf("smoke.sh with an execute-api address answering %s: passed %v; want %v\n%s", tc.name, passed, tc.ok, out)
		}
	}

	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer bare.Close()
	if out, err := run(bare.URL); err == nil || !strings.Contains(out, "FAIL  401 without a credential") {
		t.Fatalf("smoke.sh against a server without Latchkey's answers: %v\n%s", err, out)
	}
}
