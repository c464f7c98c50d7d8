// Package config reads Latchkey's typed configuration from environment
// variables (docs/API.md, "Configuration") once at start, and reports every
// problem at once.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/ascii"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/scansig"
)

// Environments a deployment can be: it accepts only keys of its own.
const (
	EnvLive = "live"
	EnvTest = "test"
)

// DeploymentLocal is the Deployment of a run that no deployment configures
// (the local server, tests).
const DeploymentLocal = "local"

// Defaults and bounds that the deployment's settings (infra) share with
// Load: a deployment that sets nothing gets what a local run gets.
const (
	DefaultCacheTTL        = "30s"
	DefaultSessionTTL      = "12h"
	DefaultSessionIdle     = "1h"
	DefaultSecurityLogDays = 90
	MinSecurityLogDays     = 1
	MaxSecurityLogDays     = 3650
)

// MaxDeploymentLen is the longest Deployment: CloudFormation's longest
// stack name.
const MaxDeploymentLen = 128

// ValidDeployment reports whether s may name a deployment: what a
// CloudFormation stack name may be (a letter, then letters, digits and
// '-'), at most MaxDeploymentLen characters. A metric dimension holds it,
// so it never holds anything but those.
func ValidDeployment(s string) bool {
	if s == "" || len(s) > MaxDeploymentLen || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Config is the whole configuration. Its zero value is not used: Load fills
// the defaults of docs/API.md.
type Config struct {
	// Addr is where the local server listens (LATCHKEY_ADDR).
	Addr string
	// PublicURL is the origin users see, without a trailing slash
	// (LATCHKEY_PUBLIC_URL); by default http://localhost:<port of Addr>.
	PublicURL string
	// Env is "live" or "test" (LATCHKEY_ENV).
	Env string
	// Deployment names this deployment in its metrics (LATCHKEY_DEPLOYMENT;
	// the infrastructure sets its stack name, the local server has
	// DeploymentLocal): the Deployment dimension of every metric, which
	// keeps two deployments' alarms apart in one account and region. It is
	// a short word of a fixed alphabet (ValidDeployment), never a value a
	// request chose.
	Deployment string
	// OIDCIssuer, OIDCClientID and OIDCClientSecret name the identity
	// provider; an empty issuer means the built-in development provider.
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	// UserIssuer, when set, is the issuer that users signed in through
	// OIDCIssuer are recorded under. No variable sets it: only the local
	// server does, so that the built-in provider, whose issuer URL holds the
	// port, signs in the same seeded people on every port.
	UserIssuer string
	// Editors are emails that get the editor role (LATCHKEY_EDITORS).
	Editors []string
	// EditorGroup is a groups-claim value that gives the editor role.
	EditorGroup string
	// DynamoDBEndpoint, when set, points the DynamoDB client at a compatible
	// server (and makes the local server use DynamoDB).
	DynamoDBEndpoint string
	// TablePrefix prefixes every table name.
	TablePrefix string
	// CacheTTL is the authorizer cache's positive time-to-live; 0 disables it.
	CacheTTL time.Duration
	// KeyUseInterval is how often at most an authorizer instance writes
	// what it saw of one API key (last use, requests per day, addresses):
	// LATCHKEY_KEY_USE_INTERVAL, at least 1s; a minute by default.
	KeyUseInterval time.Duration
	// SecurityLogDays is how long the security log keeps an event
	// (LATCHKEY_SECURITY_LOG_DAYS, 1 to 3650; 90 by default).
	SecurityLogDays int
	// SecretScanningKeys are the public keys GitHub's secret-scanning
	// reports are verified with (LATCHKEY_SECRET_SCANNING_KEYS: "github"
	// for the pinned ones, or JSON; scansig.ParseSetting), and
	// SecretScanningFetchURL where their current set is fetched from
	// (LATCHKEY_SECRET_SCANNING_FETCH_URL). With neither, POST
	// /api/public/secret-scanning refuses every report.
	SecretScanningKeys     string
	SecretScanningFetchURL string
	// SessionTTL and SessionIdle are a session's absolute and idle lifetimes.
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// AllowedOrigins are extra origins allowed for cross-origin calls.
	AllowedOrigins []string
	// LoginKey seals the login cookie (LATCHKEY_LOGIN_KEY: 32 bytes in
	// base64). The local server makes one per start when it is unset; a
	// deployment gets it from Secrets Manager.
	LoginKey []byte
	// GitHubClientID and GitHubClientSecret select GitHub (OAuth2 without
	// OpenID Connect) as the identity provider; GitHubURL and GitHubAPIURL
	// point at GitHub (or, in tests, at a local fake of it).
	GitHubClientID     string
	GitHubClientSecret string
	GitHubURL          string
	GitHubAPIURL       string

	// The secrets above, in a deployment, come from AWS Secrets Manager:
	// each LATCHKEY_<NAME>_ARN names the secret that holds LATCHKEY_<NAME>
	// (an ARN is not itself a secret), and internal/secrets reads them at
	// cold start into the fields above. A variable and its _ARN form are
	// never set together.
	OIDCClientSecretARN   string
	GitHubClientSecretARN string
	LoginKeyARN           string
	// OriginSecretARN names the secret holding the values CloudFront sends
	// in the X-Latchkey-Origin header: JSON {"current", "next", "previous"},
	// unused slots holding fresh random values (internal/frontdoor). It has
	// no plain-variable form.
	OriginSecretARN string
	// OriginSecrets are the accepted X-Latchkey-Origin values, filled from
	// OriginSecretARN. Empty turns the check off: local runs and tests have
	// no CloudFront in front of them, and a deployment always sets it.
	OriginSecrets []string
	// SecretsGeneration (LATCHKEY_SECRETS_GENERATION) reads nothing: the
	// infrastructure changes it to make Lambda start fresh instances, which
	// read the secrets again (rotation), and a cold start logs it.
	SecretsGeneration string
}

// Load reads the configuration through getenv (os.Getenv in production; a
// map in tests). It returns every problem it finds, joined.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	dur := func(name, def string, min time.Duration) time.Duration {
		s := get(name, def)
		d, err := time.ParseDuration(s)
		if err != nil || d < min {
			errs = append(errs, fmt.Errorf("%s=%q: want a Go duration of at least %v", name, s, min))
		}
		return d
	}
	number := func(name string, def, min, max int) int {
		s := get(name, strconv.Itoa(def))
		n, err := strconv.Atoi(s)
		if err != nil || n < min || n > max {
			errs = append(errs, fmt.Errorf("%s=%q: want a whole number from %d to %d", name, s, min, max))
		}
		return n
	}
	c := Config{
		Addr:               get("LATCHKEY_ADDR", "127.0.0.1:8080"),
		PublicURL:          strings.TrimSuffix(get("LATCHKEY_PUBLIC_URL", ""), "/"),
		Env:                get("LATCHKEY_ENV", EnvTest),
		Deployment:         get("LATCHKEY_DEPLOYMENT", DeploymentLocal),
		OIDCIssuer:         get("LATCHKEY_OIDC_ISSUER", ""),
		OIDCClientID:       get("LATCHKEY_OIDC_CLIENT_ID", ""),
		OIDCClientSecret:   getenv("LATCHKEY_OIDC_CLIENT_SECRET"),
		Editors:            list(get("LATCHKEY_EDITORS", "")),
		EditorGroup:        get("LATCHKEY_EDITOR_GROUP", ""),
		DynamoDBEndpoint:   get("LATCHKEY_DYNAMODB_ENDPOINT", ""),
		TablePrefix:        get("LATCHKEY_TABLE_PREFIX", "latchkey-"),
		CacheTTL:           dur("LATCHKEY_CACHE_TTL", DefaultCacheTTL, 0),
		SecurityLogDays:    number("LATCHKEY_SECURITY_LOG_DAYS", DefaultSecurityLogDays, MinSecurityLogDays, MaxSecurityLogDays),
		KeyUseInterval:     dur("LATCHKEY_KEY_USE_INTERVAL", "1m", time.Second),
		SecretScanningKeys: get("LATCHKEY_SECRET_SCANNING_KEYS", ""),
		// The fetch URL has no default: fetching is the deployer's choice.
		SecretScanningFetchURL: get("LATCHKEY_SECRET_SCANNING_FETCH_URL", ""),
		SessionTTL:             dur("LATCHKEY_SESSION_TTL", DefaultSessionTTL, time.Minute),
		SessionIdle:            dur("LATCHKEY_SESSION_IDLE", DefaultSessionIdle, time.Minute),
		AllowedOrigins:         list(get("LATCHKEY_ALLOWED_ORIGINS", "")),
		GitHubClientID:         get("LATCHKEY_GITHUB_CLIENT_ID", ""),
		GitHubClientSecret:     getenv("LATCHKEY_GITHUB_CLIENT_SECRET"),
		GitHubURL:              strings.TrimSuffix(get("LATCHKEY_GITHUB_URL", "https://github.com"), "/"),
		GitHubAPIURL:           strings.TrimSuffix(get("LATCHKEY_GITHUB_API_URL", "https://api.github.com"), "/"),

		OIDCClientSecretARN:   get("LATCHKEY_OIDC_CLIENT_SECRET_ARN", ""),
		GitHubClientSecretARN: get("LATCHKEY_GITHUB_CLIENT_SECRET_ARN", ""),
		LoginKeyARN:           get("LATCHKEY_LOGIN_KEY_ARN", ""),
		OriginSecretARN:       get("LATCHKEY_ORIGIN_SECRET_ARN", ""),
		SecretsGeneration:     get("LATCHKEY_SECRETS_GENERATION", ""),
	}
	if k := strings.TrimSpace(getenv("LATCHKEY_LOGIN_KEY")); k != "" {
		key, err := DecodeLoginKey(k)
		if err != nil {
			errs = append(errs, fmt.Errorf("LATCHKEY_LOGIN_KEY: %w", err))
		}
		c.LoginKey = key
	}
	for _, p := range []struct{ name, plain, arn string }{
		{"LATCHKEY_OIDC_CLIENT_SECRET", c.OIDCClientSecret, c.OIDCClientSecretARN},
		{"LATCHKEY_GITHUB_CLIENT_SECRET", c.GitHubClientSecret, c.GitHubClientSecretARN},
		{"LATCHKEY_LOGIN_KEY", getenv("LATCHKEY_LOGIN_KEY"), c.LoginKeyARN},
		{"LATCHKEY_ORIGIN_SECRET", "", c.OriginSecretARN},
	} {
		if p.arn == "" {
			continue
		}
		if p.plain != "" {
			errs = append(errs, fmt.Errorf("%s and %s_ARN are both set; keep the secret in Secrets Manager only", p.name, p.name))
		}
		if !strings.HasPrefix(p.arn, "arn:") || !strings.Contains(p.arn, ":secretsmanager:") {
			errs = append(errs, fmt.Errorf("%s_ARN=%q: want a Secrets Manager secret ARN (arn:aws:secretsmanager:…)", p.name, p.arn))
		}
	}
	if c.PublicURL == "" {
		c.PublicURL = defaultPublicURL(c.Addr)
	}
	if c.GitHubClientID != "" && c.OIDCIssuer != "" {
		errs = append(errs, errors.New("LATCHKEY_GITHUB_CLIENT_ID and LATCHKEY_OIDC_ISSUER are both set; choose one identity provider"))
	}
	if c.Env != EnvLive && c.Env != EnvTest {
		errs = append(errs, fmt.Errorf("LATCHKEY_ENV=%q: want %q or %q", c.Env, EnvLive, EnvTest))
	}
	if !ValidDeployment(c.Deployment) {
		errs = append(errs, fmt.Errorf("LATCHKEY_DEPLOYMENT=%q: want a letter, then letters, digits and '-', at most %d characters (a CloudFormation stack name)", c.Deployment, MaxDeploymentLen))
	}
	if err := checkOrigin(c.PublicURL); err != nil {
		errs = append(errs, fmt.Errorf("LATCHKEY_PUBLIC_URL: %w", err))
	}
	for _, o := range c.AllowedOrigins {
		if o == "*" {
			errs = append(errs, errors.New("LATCHKEY_ALLOWED_ORIGINS: \"*\" is not allowed; list the origins"))
		} else if err := checkOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("LATCHKEY_ALLOWED_ORIGINS: %w", err))
		}
	}
	if c.OIDCIssuer != "" {
		if err := checkURL("LATCHKEY_OIDC_ISSUER", c.OIDCIssuer, "https://idp.example.com"); err != nil {
			errs = append(errs, err)
		}
		if c.OIDCClientID == "" {
			errs = append(errs, errors.New("LATCHKEY_OIDC_CLIENT_ID is required with LATCHKEY_OIDC_ISSUER"))
		}
	}
	if _, err := scansig.ParseSetting(c.SecretScanningKeys); err != nil {
		errs = append(errs, fmt.Errorf("LATCHKEY_SECRET_SCANNING_KEYS: %w", err))
	}
	if f := c.SecretScanningFetchURL; f != "" {
		if err := checkURL("LATCHKEY_SECRET_SCANNING_FETCH_URL", f, "https://api.github.com/meta/public_keys/secret_scanning"); err != nil {
			errs = append(errs, err)
		}
	}
	// Sign-in with GitHub sends the client secret and the authorization
	// code to the first, and the access token to the second.
	for _, g := range []struct{ name, value, example string }{
		{"LATCHKEY_GITHUB_URL", c.GitHubURL, "https://github.com"},
		{"LATCHKEY_GITHUB_API_URL", c.GitHubAPIURL, "https://api.github.com"},
	} {
		if err := checkURL(g.name, g.value, g.example); err != nil {
			errs = append(errs, err)
		}
	}
	if c.SessionIdle > c.SessionTTL && c.SessionTTL > 0 {
		errs = append(errs, fmt.Errorf("LATCHKEY_SESSION_IDLE (%v) is longer than LATCHKEY_SESSION_TTL (%v)", c.SessionIdle, c.SessionTTL))
	}
	if len(c.TablePrefix) > 200 || strings.ContainsFunc(c.TablePrefix, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		errs = append(errs, fmt.Errorf("LATCHKEY_TABLE_PREFIX=%q: only letters, digits, '-', '_' and '.'", c.TablePrefix))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// defaultPublicURL is the origin of a local run on addr: localhost, the
// name browsers treat as a secure context over plain http (so they keep the
// Secure, __Host- cookies), at addr's port.
func defaultPublicURL(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		port = "8080"
	}
	return "http://localhost:" + port
}

// DecodeLoginKey decodes a login-cookie sealing key: 32 bytes in standard
// base64 (openssl rand -base64 32) or unpadded URL-safe base64 (43
// characters, as the infrastructure generates it in Secrets Manager). The
// error never contains the key.
func DecodeLoginKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		key, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil || len(key) != 32 {
		return nil, errors.New("want 32 random bytes in base64 (openssl rand -base64 32)")
	}
	return key, nil
}

// checkURL holds the URL setting name to httpx.SecureURL. Its error
// quotes the value without any password in it (a value that is no URL at
// all is not quoted), since the error is logged.
func checkURL(name, value, example string) error {
	u, err := url.Parse(value)
	if err != nil {
		return fmt.Errorf("%s: not a URL; want one such as %s", name, example)
	}
	if !httpx.SecureURL(u) {
		return fmt.Errorf("%s=%q: want an https URL without user or password, such as %s (http only on loopback)", name, u.Redacted(), example)
	}
	return nil
}

// checkOrigin accepts a bare origin: scheme and host (and port), nothing
// else; https, or http on a loopback host. Like checkURL's, its errors
// quote no password.
func checkOrigin(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not an origin like https://app.example.com")
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an origin like https://app.example.com", u.Redacted())
	}
	if !httpx.SecureURL(u) {
		return fmt.Errorf("%q: want https (http only on localhost)", u.Redacted())
	}
	return nil
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// The sources of the editor role, as a user's RoleGrants record them.
const (
	GrantEditorEmail       = "editor:email"
	GrantEditorGroupPrefix = "editor:group:"
)

// EditorGrants are where the editor role comes from for a sign-in with this
// email (verified or not) and these groups, under this configuration.
func (c Config) EditorGrants(email string, emailVerified bool, groups []string) []string {
	var out []string
	if emailVerified && c.EditorEmail(email) {
		out = append(out, GrantEditorEmail)
	}
	if c.EditorGroup != "" {
		for _, g := range groups {
			if g == c.EditorGroup {
				out = append(out, GrantEditorGroupPrefix+g)
				break
			}
		}
	}
	return out
}

// RolesOf are a user's roles as this configuration grants them now, from
// the roles and grants recorded at their last sign-in: the editor role
// holds while one of its sources still does. An email grant is re-checked
// against LATCHKEY_EDITORS on every request; a group grant holds while
// LATCHKEY_EDITOR_GROUP still names that group (the groups themselves are
// only known at sign-in). A role recorded without grants (before grants
// were recorded, or seeded) counts as an email grant.
func (c Config) RolesOf(email string, roles, grants []string) []string {
	out := []string{}
	for _, r := range roles {
		if r != "editor" {
			out = append(out, r)
			continue
		}
		held := false
		if len(grants) == 0 {
			held = c.EditorEmail(email)
		}
		for _, g := range grants {
			switch {
			case g == GrantEditorEmail:
				held = held || c.EditorEmail(email)
			case strings.HasPrefix(g, GrantEditorGroupPrefix):
				held = held || (c.EditorGroup != "" && strings.TrimPrefix(g, GrantEditorGroupPrefix) == c.EditorGroup)
			}
		}
		if held {
			out = append(out, r)
		}
	}
	return out
}

// EditorEmail reports whether email is in LATCHKEY_EDITORS, comparing ASCII
// letters without case and nothing else: Unicode case folding would let
// "\u212Aate@example.com" (a Kelvin sign) stand for kate@example.com.
func (c Config) EditorEmail(email string) bool {
	if email == "" {
		return false
	}
	for i := 0; i < len(email); i++ {
		if email[i] >= 0x80 {
			return false
		}
	}
	for _, e := range c.Editors {
		if ascii.EqualFold(e, email) {
			return true
		}
	}
	return false
}
