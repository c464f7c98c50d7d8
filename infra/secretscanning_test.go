package main

import (
	"strings"
	"testing"
)

// TestSecretScanningSettingsReachTheFunctions: the two settings become the
// functions' variables, and a keys value that would crowd Lambda's 4 KB of
// variables is refused at synth, named by its setting.
func TestSecretScanningSettingsReachTheFunctions(t *testing.T) {
	s, err := readFrom(map[string]any{"secretScanningKeys": "github", "secretScanningFetchUrl": "https://api.github.com/meta/public_keys/secret_scanning"})
	if err != nil {
		t.Fatal(err)
	}
	if err := checkFunctionConfig(s); err != nil {
		t.Fatalf("checkFunctionConfig = %v", err)
	}
	env := functionEnvironment(s, "https://latchkey.example.com")
	if v := env["LATCHKEY_SECRET_SCANNING_KEYS"]; v == nil || *v != "github" {
		t.Errorf("LATCHKEY_SECRET_SCANNING_KEYS = %v; want github", v)
	}
	if v := env["LATCHKEY_SECRET_SCANNING_FETCH_URL"]; v == nil || *v != "https://api.github.com/meta/public_keys/secret_scanning" {
		t.Errorf("LATCHKEY_SECRET_SCANNING_FETCH_URL = %v", v)
	}
	none, _ := readFrom(nil)
	if _, set := functionEnvironment(none, "https://x.example.com")["LATCHKEY_SECRET_SCANNING_KEYS"]; set {
		t.Error("without the setting, the variable is set anyway")
	}
	_, err = readFrom(map[string]any{"secretScanningKeys": "[" + strings.Repeat(" ", maxSecretScanningKeys) + "]"})
	if err == nil || !strings.Contains(err.Error(), "secretScanningKeys") {
		t.Fatalf("a keys setting over %d characters: %v; want refused by name", maxSecretScanningKeys, err)
	}
}
