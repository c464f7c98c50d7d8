package openapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/routes"
)

func TestDocumentHasEveryRoute(t *testing.T) {
	doc := Document(routes.Table, "https://app.example.com")
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		OpenAPI string
		Paths   map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Security    []map[string][]string
		}
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatal(err)
	}
	if parsed.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", parsed.OpenAPI)
	}
	for _, r := range routes.Table {
		if r.NotFound() {
			continue
		}
		op, ok := parsed.Paths[r.Path][strings.ToLower(r.Method)]
		if !ok || op.OperationID != r.Function {
			t.Errorf("%s %s missing from the document", r.Method, r.Path)
			continue
		}
		if public := len(op.Security) == 0; public != (r.Need == routes.NeedPublic) {
			t.Errorf("%s %s: security %v does not match need %q", r.Method, r.Path, op.Security, r.Need)
		}
		if r.Need == routes.NeedSession && (len(op.Security) != 1 || op.Security[0]["session"] == nil) {
			t.Errorf("%s %s needs a session; security %v offers more", r.Method, r.Path, op.Security)
		}
	}
}
