package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/scansig/scansigtest"
	"github.com/latchkey/latchkey/internal/secretscan"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/embedded"
)

// TestFeedbackFromTheKeptReports: reports received by a deployment (over a
// data file, as `make dev DATA=…` keeps it) come out as GitHub's feedback —
// a revoked key true_positive, even when reported again later; a string
// that is no key false_positive; an unknown key left out — with no token
// printed, and reports older than --since left out.
func TestFeedbackFromTheKeptReports(t *testing.T) {
	ctx := context.Background()
	github := scansigtest.New(t, "k")
	path := filepath.Join(t.TempDir(), "data.json")
	db, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	d := depstest.Local(config.Config{Env: config.EnvTest, SecretScanningKeys: github.Setting()})
	d.Stores = db.Stores()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return now }
	h := httpx.Adapt(d.Log, depstest.Build(t, secretscan.Report, d))
	send := func(tokens ...string) {
		t.Helper()
		var ms []secretscan.Match
		for _, tok := range tokens {
			ms = append(ms, secretscan.Match{Token: tok, Type: "latchkey_api_key", URL: "https://github.com/o/r", Source: "content"})
		}
		body, _ := json.Marshal(ms)
		resp, err := h(ctx, httpx.Request{HTTPMethod: "POST", Body: string(body), Headers: github.Headers(body)})
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("report = %d %s, %v", resp.StatusCode, resp.Body, err)
		}
	}
	leaked, _ := apikey.Generate(rand.Reader, config.EnvTest)
	if err := d.Stores.Keys.Create(ctx, store.APIKey{ID: store.NewID("key"), UserID: "usr_a", Hash: apikey.Hash(leaked), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	unknown, _ := apikey.Generate(rand.Reader, config.EnvTest)
	send("way_too_old")
	now = now.Add(40 * 24 * time.Hour)
	send(leaked, "not_a_key", unknown)
	now = now.Add(24 * time.Hour) // the next day: the same match is kept once a day
	send(leaked)                  // again: found revoked, yet a true positive

	reopened, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var out, summary bytes.Buffer
	if err := run(ctx, reopened.Stores().SecurityLog, now, 30*24*time.Hour, &out, &summary); err != nil {
		t.Fatal(err)
	}
	var fb []map[string]string
	if err := json.Unmarshal(out.Bytes(), &fb); err != nil {
		t.Fatalf("output %s: %v", out.String(), err)
	}
	want := map[string]string{secretscan.TokenHash(leaked): "true_positive", secretscan.TokenHash("not_a_key"): "false_positive"}
	if len(fb) != len(want) {
		t.Fatalf("feedback = %v; want %v", fb, want)
	}
	for _, f := range fb {
		if want[f["token_hash"]] != f["label"] || f["token_type"] != "latchkey_api_key" || len(f) != 3 {
			t.Errorf("feedback item %v; want label %q and nothing but token_hash, token_type, label", f, want[f["token_hash"]])
		}
	}
	for _, tok := range []string{leaked, unknown, "not_a_key", "way_too_old"} {
		if strings.Contains(out.String()+summary.String(), tok) {
			t.Errorf("a token is printed: %.12s…", tok)
		}
	}
	if !strings.Contains(summary.String(), "4 matches") || !strings.Contains(summary.String(), "2 tokens labelled") {
		t.Errorf("summary = %q; want 4 matches, 2 tokens labelled", summary.String())
	}
}
