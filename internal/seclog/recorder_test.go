package seclog

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

// TestRecorderTrustsTheViewerHeaderOnlyBehindCloudFront: the address a
// handler records is CloudFront's viewer address when the deployment has
// CloudFront in front (origin secrets set), and the connection's address
// otherwise, whatever the client wrote in the header.
func TestRecorderTrustsTheViewerHeaderOnlyBehindCloudFront(t *testing.T) {
	req := httpx.Request{Headers: map[string]string{httpx.ViewerAddressHeader: "198.51.100.7"}}
	req.RequestContext.Identity.SourceIP = "203.0.113.9"
	for _, tc := range []struct {
		name    string
		origins []string
		want    string
	}{
		{"no CloudFront: the connection", nil, "203.0.113.9"},
		{"behind CloudFront: the viewer", []string{"origin-secret"}, "198.51.100.7"},
	} {
		if got := For(depstest.Local(config.Config{OriginSecrets: tc.origins})).Address(req); got != tc.want {
			t.Errorf("%s: Address = %q; want %q", tc.name, got, tc.want)
		}
	}
}

// TestRecorderLogsAFailedWriteAndGoesOn: a write that fails does not fail
// the caller; it is an error line naming the kind and the user, without
// the details.
func TestRecorderLogsAFailedWriteAndGoesOn(t *testing.T) {
	d := depstest.Local(config.Config{})
	d.Stores.SecurityLog = failingLog{}
	var logs bytes.Buffer
	ctx := httpx.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)))
	For(d).Record(ctx, "usr_a", store.EventKeyCreated, map[string]string{"label": "label-marker"})
	out := logs.String()
	if !strings.Contains(out, `"level":"ERROR"`) || !strings.Contains(out, `"kind":"key-created"`) || !strings.Contains(out, `"userId":"usr_a"`) {
		t.Fatalf("log = %s; want an error line with the kind and the user", out)
	}
	if strings.Contains(out, "label-marker") {
		t.Fatalf("the error line holds the details: %s", out)
	}
}
