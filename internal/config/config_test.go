package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaultsAreAPIMdDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load(empty) = %v", err)
	}
	if c.Addr != "127.0.0.1:8080" || c.PublicURL != "http://localhost:8080" || c.Env != EnvTest ||
		c.TablePrefix != "latchkey-" || c.CacheTTL != 30*time.Second || c.SessionTTL != 12*time.Hour || c.SessionIdle != time.Hour {
		t.Fatalf("Load(empty) = %+v; want the defaults of docs/API.md", c)
	}
}

func TestPublicURLFollowsThePort(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"nothing set", nil, "http://localhost:8080"},
		{"another port", map[string]string{"LATCHKEY_ADDR": "127.0.0.1:18080"}, "http://localhost:18080"},
		{"IPv6 loopback", map[string]string{"LATCHKEY_ADDR": "[::1]:9000"}, "http://localhost:9000"},
		{"set explicitly", map[string]string{"LATCHKEY_ADDR": "127.0.0.1:18080", "LATCHKEY_PUBLIC_URL": "https://dev.example.com/"}, "https://dev.example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(tc.env))
			if err != nil || c.PublicURL != tc.want {
				t.Fatalf("PublicURL = %q, %v; want %q", c.PublicURL, err, tc.want)
			}
		})
	}
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"LATCHKEY_ENV":             "prod",
		"LATCHKEY_CACHE_TTL":       "soon",
		"LATCHKEY_PUBLIC_URL":      "ftp://x",
		"LATCHKEY_ALLOWED_ORIGINS": "*",
		"LATCHKEY_OIDC_ISSUER":     "http://idp.example.com",
	}))
	if err == nil {
		t.Fatal("Load(bad) = nil; want errors")
	}
	for _, want := range []string{"LATCHKEY_ENV", "LATCHKEY_CACHE_TTL", "LATCHKEY_PUBLIC_URL", "LATCHKEY_ALLOWED_ORIGINS", "LATCHKEY_OIDC_ISSUER", "LATCHKEY_OIDC_CLIENT_ID"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load(bad) error does not name %s:\n%v", want, err)
		}
	}
}

// TestLoadURLSettings: the public URL, the allowed origins, the OIDC
// issuer, the GitHub URLs and the secret-scanning fetch URL are https, or
// http only on loopback, with no user or password; any other scheme, even
// on loopback, is refused, and the error names the setting but never
// quotes a password. The public URL and the origins are origins (no path);
// the others may have a path.
func TestLoadURLSettings(t *testing.T) {
	const (
		public, origins, issuer = "LATCHKEY_PUBLIC_URL", "LATCHKEY_ALLOWED_ORIGINS", "LATCHKEY_OIDC_ISSUER"
		github, githubAPI       = "LATCHKEY_GITHUB_URL", "LATCHKEY_GITHUB_API_URL"
		fetch                   = "LATCHKEY_SECRET_SCANNING_FETCH_URL"
		password                = "s3cr3t"
	)
	tests := []struct {
		name, setting, url string
		ok                 bool
	}{
		{"https origin", public, "https://app.example.com", true},
		{"trailing slash trimmed", public, "https://app.example.com/", true},
		{"http on localhost", public, "http://localhost:8080", true},
		{"http elsewhere", public, "http://app.example.com", false},
		{"with a path", public, "https://app.example.com/app", false},
		{"with credentials", public, "https://u:s3cr3t@app.example.com", false},
		{"an allowed origin with credentials", origins, "https://u:s3cr3t@app.example.com", false},
		{"an allowed origin over http elsewhere", origins, "http://app.example.com", false},
		{"an allowed https origin", origins, "https://app.example.com", true},
		{"another scheme on localhost", public, "ftp://localhost:8080", false},
		{"not a URL", public, "app.example.com", false},

		{"https issuer", issuer, "https://idp.example.com", true},
		{"https issuer with a path", issuer, "https://idp.example.com/realms/latchkey", true},
		{"https issuer with a port and trailing slash", issuer, "https://idp.example.com:8443/", true},
		{"http issuer on localhost", issuer, "http://localhost:8080/dev-idp", true},
		{"http issuer on 127.0.0.1", issuer, "http://127.0.0.1:9000", true},
		{"http issuer elsewhere", issuer, "http://idp.example.com", false},
		{"ftp issuer on localhost", issuer, "ftp://localhost", false},
		{"gopher issuer on loopback", issuer, "gopher://127.0.0.1:70", false},
		{"issuer with user and password on localhost", issuer, "http://user:s3cr3t@localhost", false},
		{"issuer with an empty host name", issuer, "https://:443", false},
		{"issuer with a user on https", issuer, "https://user@idp.example.com", false},
		{"issuer with no host", issuer, "https:///realms/latchkey", false},
		{"issuer not a URL", issuer, "idp.example.com", false},
		{"issuer that does not parse, with a password", issuer, "https://u:s3cr3t@idp.example.com:port", false},

		{"GitHub Enterprise", github, "https://github.example.com", true},
		{"GitHub over http elsewhere", github, "http://github.example.com", false},
		{"GitHub with a password", github, "https://u:s3cr3t@github.com", false},
		{"GitHub's API on loopback", githubAPI, "http://127.0.0.1:9000/api", true},
		{"GitHub's API over another scheme", githubAPI, "ftp://api.github.com", false},
		{"the keys' fetch URL", fetch, "https://api.github.com/meta/public_keys/secret_scanning", true},
		{"the keys' fetch URL over http elsewhere", fetch, "http://api.github.com/meta/public_keys/secret_scanning", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{tc.setting: tc.url, "LATCHKEY_OIDC_CLIENT_ID": "latchkey"}))
			if (err == nil) != tc.ok {
				t.Fatalf("Load(%s=%q) err = %v; want ok = %v", tc.setting, tc.url, err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), tc.setting) {
				t.Errorf("error does not name %s: %v", tc.setting, err)
			}
			if err != nil && strings.Contains(err.Error(), password) {
				t.Errorf("error quotes the password: %v", err)
			}
		})
	}
}

func TestCacheTTLZeroDisables(t *testing.T) {
	c, err := Load(env(map[string]string{"LATCHKEY_CACHE_TTL": "0"}))
	if err != nil || c.CacheTTL != 0 {
		t.Fatalf("Load(LATCHKEY_CACHE_TTL=0) = %v, %v; want 0", c.CacheTTL, err)
	}
}

func TestSecretARNs(t *testing.T) {
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:latchkey-login-AbCdEf"
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"an ARN alone", map[string]string{"LATCHKEY_LOGIN_KEY_ARN": arn, "LATCHKEY_ORIGIN_SECRET_ARN": arn}, ""},
		{"a secret and its ARN", map[string]string{"LATCHKEY_OIDC_CLIENT_SECRET": "s", "LATCHKEY_OIDC_CLIENT_SECRET_ARN": arn}, "LATCHKEY_OIDC_CLIENT_SECRET and LATCHKEY_OIDC_CLIENT_SECRET_ARN"},
		{"not an ARN", map[string]string{"LATCHKEY_GITHUB_CLIENT_SECRET_ARN": "my-secret"}, "LATCHKEY_GITHUB_CLIENT_SECRET_ARN"},
		{"another service's ARN", map[string]string{"LATCHKEY_ORIGIN_SECRET_ARN": "arn:aws:ssm:eu-west-1:1:parameter/x"}, "LATCHKEY_ORIGIN_SECRET_ARN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(env(tc.env))
			if tc.wantErr == "" {
				if err != nil || c.LoginKeyARN != arn || c.OriginSecretARN != arn {
					t.Fatalf("Load(%v) = %+v, %v; want the ARNs", tc.env, c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Load(%v) err = %v; want one naming %s", tc.env, err, tc.wantErr)
			}
		})
	}
}

func TestDecodeLoginKey(t *testing.T) {
	tests := []struct {
		name, key string
		ok        bool
	}{
		{"standard base64", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", true},
		{"43 characters as the infrastructure generates", "Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789aBcDeFg", true},
		{"too short", "AAECAwQ=", false},
		{"not base64", "not a key at all, not a key at all, not a key", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := DecodeLoginKey(tc.key)
			if (err == nil) != tc.ok || (tc.ok && len(k) != 32) {
				t.Fatalf("DecodeLoginKey(%q) = %d bytes, %v; want ok = %v", tc.key, len(k), err, tc.ok)
			}
			if err != nil && strings.Contains(err.Error(), tc.key) {
				t.Fatalf("DecodeLoginKey error %q contains the key", err)
			}
		})
	}
}

func TestEditorEmail(t *testing.T) {
	c := Config{Editors: []string{"kate@example.com", "Sam@Example.com"}}
	tests := []struct {
		email string
		want  bool
	}{
		{"kate@example.com", true},
		{"KATE@EXAMPLE.COM", true},
		{"sam@example.com", true},
		{"\u212Aate@example.com", false}, // Kelvin sign folds to k in Unicode
		{"ſam@example.com", false},       // long s folds to s in Unicode
		{"kate@example.co", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := c.EditorEmail(tc.email); got != tc.want {
			t.Errorf("EditorEmail(%q) = %v; want %v", tc.email, got, tc.want)
		}
	}
}

// TestRolesFollowTheirSource: the editor role holds only while the source
// that granted it at sign-in still does, whatever else is configured. (The
// review found a demoted editor kept the role through API keys whenever an
// editor group was set.)
func TestRolesFollowTheirSource(t *testing.T) {
	const ada = "ada@example.com"
	byEmail := Config{Editors: []string{ada}}.EditorGrants(ada, true, nil)
	byGroup := Config{EditorGroup: "editors"}.EditorGrants(ada, true, []string{"editors"})
	byBoth := Config{Editors: []string{ada}, EditorGroup: "editors"}.EditorGrants(ada, true, []string{"editors"})
	editor := []string{"editor"}
	tests := []struct {
		name   string
		now    Config
		grants []string
		want   bool
	}{
		{"granted by email, still listed", Config{Editors: []string{ada}}, byEmail, true},
		{"granted by email, removed from the list", Config{}, byEmail, false},
		{"granted by email, removed from the list, a group configured", Config{EditorGroup: "editors"}, byEmail, false},
		{"granted by group, group still configured", Config{EditorGroup: "editors"}, byGroup, true},
		{"granted by group, another group configured", Config{EditorGroup: "admins"}, byGroup, false},
		{"granted by group, no group configured", Config{Editors: []string{"eve@example.com"}}, byGroup, false},
		{"granted by both, email removed", Config{EditorGroup: "editors"}, byBoth, true},
		{"granted by both, group removed", Config{Editors: []string{ada}}, byBoth, true},
		{"recorded without grants, email listed", Config{Editors: []string{ada}}, nil, true},
		{"recorded without grants, email not listed, a group configured", Config{EditorGroup: "editors"}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.now.RolesOf(ada, editor, tc.grants)
			if has := len(got) == 1 && got[0] == "editor"; has != tc.want {
				t.Fatalf("RolesOf = %v; want editor: %v", got, tc.want)
			}
		})
	}
	if g := (Config{Editors: []string{ada}}).EditorGrants(ada, false, nil); len(g) != 0 {
		t.Fatalf("an unverified email got grants %v", g)
	}
}

// TestDeployment: LATCHKEY_DEPLOYMENT names the deployment in every metric
// (a dimension), so only a short word of a stack name's alphabet passes;
// a local run is "local".
func TestDeployment(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil || c.Deployment != DeploymentLocal {
		t.Fatalf("Load(empty).Deployment = %q, %v; want %q", c.Deployment, err, DeploymentLocal)
	}
	for v, ok := range map[string]bool{
		"Latchkey": true, "latchkey-staging-2": true, "L": true, "2fast": false, "-x": false, "has space": false,
		"usr_123": false, "a.b": false, "ünïcode": false, "x\ny": false, `x"y`: false, "x'y": false, "x}": false,
		strings.Repeat("a", MaxDeploymentLen): true, strings.Repeat("a", MaxDeploymentLen+1): false,
	} {
		c, err := Load(env(map[string]string{"LATCHKEY_DEPLOYMENT": v}))
		if ok != (err == nil) || ok != ValidDeployment(v) {
			t.Errorf("LATCHKEY_DEPLOYMENT=%q: err %v, valid %v; want ok = %v", v, err, ValidDeployment(v), ok)
		}
		if ok && c.Deployment != v {
			t.Errorf("LATCHKEY_DEPLOYMENT=%q: Deployment = %q", v, c.Deployment)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "LATCHKEY_DEPLOYMENT")) {
			t.Errorf("LATCHKEY_DEPLOYMENT=%q: error %v does not name the variable", v, err)
		}
	}
}
