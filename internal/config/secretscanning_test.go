package config

import (
	"strings"
	"testing"
)

// TestSecretScanningSettings: the keys setting takes "github" or keys it
// can parse, and the fetch URL https (http on loopback only); anything else
// stops the start with the variable's name and never the value's key.
func TestSecretScanningSettings(t *testing.T) {
	tests := []struct {
		name, keys, fetch string
		ok                bool
	}{
		{"off by default", "", "", true},
		{"the pinned GitHub keys", "github", "", true},
		{"GitHub's endpoint", "github", "https://api.github.com/meta/public_keys/secret_scanning", true},
		{"the endpoint alone", "", "https://api.github.com/meta/public_keys/secret_scanning", true},
		{"a local fake over http", "", "http://127.0.0.1:9999/keys", true},
		{"keys that are not keys", `[{"key_identifier":"a","key":"MFkw"}]`, "", false},
		{"a word other than github", "gitlab", "", false},
		{"http to another host", "github", "http://api.github.com/meta/public_keys/secret_scanning", false},
		{"credentials in the URL", "github", "https://user:pass@api.github.com/meta", false},
		{"another scheme on loopback", "", "ftp://127.0.0.1:9999/keys", false},
		{"not a URL", "github", "api.github.com", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(map[string]string{"LATCHKEY_SECRET_SCANNING_KEYS": tc.keys, "LATCHKEY_SECRET_SCANNING_FETCH_URL": tc.fetch}))
			if tc.ok {
				if err != nil || c.SecretScanningKeys != tc.keys || c.SecretScanningFetchURL != tc.fetch {
					t.Fatalf("Load = %q %q, %v; want them as set", c.SecretScanningKeys, c.SecretScanningFetchURL, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "LATCHKEY_SECRET_SCANNING_") {
				t.Fatalf("Load = %v; want an error naming the variable", err)
			}
		})
	}
}
