package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/config"
)

// Settings are one deployment's choices. They come from CDK context: the
// "context" of cdk.json, ~/.cdk.json, or `-c key=value` on the command line
// (docs/DEPLOY.md, "Settings", explains each). Every setting has a default, so an
// app with no context at all synthesizes: a test deployment at CloudFront's
// own address with the development defaults.
type Settings struct {
	// StackName names the application stack; the edge stack (certificate
	// and web ACL, in us-east-1) is StackName + "-Edge".
	StackName string
	// Account and Region are where the application stack goes; empty uses
	// the CLI's (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION), and with neither
	// the stack is environment-agnostic.
	Account, Region string

	// DomainName is the address users see (app.example.com); empty serves at
	// CloudFront's own *.cloudfront.net address. With a domain, HostedZoneID
	// and HostedZoneName name its Route 53 zone (no lookup, so synth needs no
	// AWS access): the certificate is validated there and the alias records
	// are written there. With a domain, no other host name (the
	// distribution's *.cloudfront.net included) serves anything.
	DomainName, HostedZoneID, HostedZoneName string

	// OIDCIssuer and OIDCClientID name the OpenID Connect provider; or
	// GitHubClientID selects GitHub. The client secret is never a setting:
	// it goes into Secrets Manager (docs/DEPLOY.md, "Steps", step 4).
	OIDCIssuer, OIDCClientID, GitHubClientID string
	// Env is "live" or "test": which API keys the deployment accepts.
	Env string
	// Editors are emails with the editor role; EditorGroup a groups-claim
	// value that gives it.
	Editors     []string
	EditorGroup string
	// AllowedOrigins are extra origins allowed for cross-origin calls.
	AllowedOrigins []string
	// CacheTTL, SessionTTL and SessionIdle are Go durations
	// (LATCHKEY_CACHE_TTL, LATCHKEY_SESSION_TTL, LATCHKEY_SESSION_IDLE).
	CacheTTL, SessionTTL, SessionIdle string
	// SecurityLogDays is how long the security log keeps an event, in days
	// (LATCHKEY_SECURITY_LOG_DAYS): the TTL its items are written with.
	SecurityLogDays int
	// SecretScanningKeys and SecretScanningFetchURL are the GitHub keys
	// that secret-scanning reports are verified with ("github" for the
	// pinned ones, or their JSON) and where their current set is fetched
	// from (LATCHKEY_SECRET_SCANNING_KEYS, _FETCH_URL); with neither, the
	// endpoint refuses every report.
	SecretScanningKeys, SecretScanningFetchURL string
	// TablePrefix prefixes the table names (default: the stack name in
	// lower case and a dash), so that two stacks in one account never share
	// tables.
	TablePrefix string

	// ThrottleRate (requests per second, steady) and ThrottleBurst are the
	// API stage's throttling, which API Gateway applies to each method
	// (route) on its own, not to the API as a whole.
	ThrottleRate, ThrottleBurst int
	// WAF attaches a web ACL to the distribution (a rate-based rule per IP
	// and AWS's known-bad-inputs rules); WAFRateLimit is the requests per
	// five minutes one IP may make.
	WAF          bool
	WAFRateLimit int
	// PriceClass is CloudFront's: "100", "200" or "All".
	PriceClass string
	// Retain keeps the tables, buckets and log groups when the stack is
	// deleted; turn it off only for throwaway stacks.
	Retain bool
	// Tracing turns on X-Ray for the functions and the API stage.
	Tracing bool
	// LogRetentionDays is how long function, API and access logs are kept.
	LogRetentionDays int
	// APIGatewayAccountRole creates the account-wide role through which API
	// Gateway writes its logs in this region. Turn it off when the account
	// already has one (API Gateway's settings show "CloudWatch log role
	// ARN").
	APIGatewayAccountRole bool
	// SecretsGeneration goes into every function's environment and the
	// distribution's comment; changing it after a secret was rotated makes
	// every function restart and CloudFront re-read the origin secret.
	SecretsGeneration string

	// Alarms are the alarms' email address and thresholds (monitoring.go,
	// docs/OPERATIONS.md).
	Alarms AlarmSettings
	// GitHubRepository ("owner/name") adds the optional <StackName>-GitHubDeploy
	// stack: the role that the repository's GitHub Actions deploy workflow
	// assumes through GitHub's OpenID Connect provider, trusted only for
	// jobs of GitHubEnvironment. GitHubOIDCProviderARN names the account's
	// provider for token.actions.githubusercontent.com when it already has
	// one (an account has one per URL); empty creates it.
	GitHubRepository, GitHubEnvironment, GitHubOIDCProviderARN string

	// AssetDir holds the built functions (<AssetDir>/<name>/bootstrap, made
	// by `make build`) and WebDir the web app; both relative to the working
	// directory.
	AssetDir, WebDir string
}

// AlarmSettings are where the alarms go and when they fire. Every count is
// over one five-minute period (alarmPeriod).
type AlarmSettings struct {
	// Email, when set, is subscribed to the alarm topics (it must confirm
	// the subscription from the message SNS sends).
	Email string
	// FunctionErrors is the errors one function may have in a period.
	FunctionErrors int
	// DurationPercent is how near its timeout a function's p99 duration
	// may come, in percent of the timeout.
	DurationPercent int
	// Throttles is the throttled invocations of one function, and the
	// throttled requests on one table, in a period.
	Throttles int
	// TableErrors is DynamoDB's system errors on one table in a period.
	TableErrors int
	// API5xxPercent and API4xxPercent are the stage's 5xx and 4xx answers
	// in percent of its requests (counted once it has minRateRequests).
	API5xxPercent, API4xxPercent int
	// APIThrottles is the stage's 429 answers (its throttle) in a period.
	APIThrottles int
	// AuthorizerFailures is the authorizer's failures in a period: API
	// Gateway's AUTHORIZER_FAILURE and AUTHORIZER_CONFIGURATION_ERROR
	// answers, and the authorizer's own fail outcome (a dependency failed).
	AuthorizerFailures int
	// Unauthorized is the API keys the authorizer refused as unusable
	// (unknown, malformed, of the other environment, expired, revoked) in
	// five minutes that raise unauthorized-spike.
	Unauthorized int
	// SignInFailures is the refused sign-ins in a period.
	SignInFailures int
	// WAFBlocked is the CloudFront web ACL's blocked requests (waf on), and
	// APIWAFBlocked the API's regional web ACL's, in a period.
	WAFBlocked, APIWAFBlocked int
}

// setting describes one context key: its name, what it holds for the error
// messages, and how it is stored.
type setting struct {
	key   string
	apply func(r *reader, s *Settings)
}

// settings lists every key, in about the order docs/DEPLOY.md explains
// them.
var settings = []setting{
	{"stackName", func(r *reader, s *Settings) { s.StackName = r.str("stackName", "Latchkey") }},
	{"account", func(r *reader, s *Settings) { s.Account = r.str("account", os.Getenv("CDK_DEFAULT_ACCOUNT")) }},
	{"region", func(r *reader, s *Settings) { s.Region = r.str("region", os.Getenv("CDK_DEFAULT_REGION")) }},
	{"domainName", func(r *reader, s *Settings) { s.DomainName = strings.ToLower(r.str("domainName", "")) }},
	{"hostedZoneId", func(r *reader, s *Settings) { s.HostedZoneID = r.str("hostedZoneId", "") }},
	{"hostedZoneName", func(r *reader, s *Settings) {
		s.HostedZoneName = strings.ToLower(r.str("hostedZoneName", s.DomainName))
	}},
	{"oidcIssuer", func(r *reader, s *Settings) { s.OIDCIssuer = r.str("oidcIssuer", "") }},
	{"oidcClientId", func(r *reader, s *Settings) { s.OIDCClientID = r.str("oidcClientId", "") }},
	{"githubClientId", func(r *reader, s *Settings) { s.GitHubClientID = r.str("githubClientId", "") }},
	{"env", func(r *reader, s *Settings) { s.Env = r.str("env", config.EnvLive) }},
	{"editors", func(r *reader, s *Settings) { s.Editors = r.list("editors") }},
	{"editorGroup", func(r *reader, s *Settings) { s.EditorGroup = r.str("editorGroup", "") }},
	{"allowedOrigins", func(r *reader, s *Settings) { s.AllowedOrigins = r.list("allowedOrigins") }},
	{"cacheTtl", func(r *reader, s *Settings) { s.CacheTTL = r.duration("cacheTtl", config.DefaultCacheTTL) }},
	{"sessionTtl", func(r *reader, s *Settings) { s.SessionTTL = r.duration("sessionTtl", config.DefaultSessionTTL) }},
	{"sessionIdle", func(r *reader, s *Settings) { s.SessionIdle = r.duration("sessionIdle", config.DefaultSessionIdle) }},
	{"securityLogDays", func(r *reader, s *Settings) {
		s.SecurityLogDays = r.integer("securityLogDays", config.DefaultSecurityLogDays, config.MinSecurityLogDays, config.MaxSecurityLogDays)
	}},
	{"secretScanningKeys", func(r *reader, s *Settings) { s.SecretScanningKeys = r.str("secretScanningKeys", "") }},
	{"secretScanningFetchUrl", func(r *reader, s *Settings) { s.SecretScanningFetchURL = r.str("secretScanningFetchUrl", "") }},
	{"tablePrefix", func(r *reader, s *Settings) { s.TablePrefix = r.str("tablePrefix", strings.ToLower(s.StackName)+"-") }},
	{"throttleRate", func(r *reader, s *Settings) { s.ThrottleRate = r.integer("throttleRate", 50, 1, 10000) }},
	{"throttleBurst", func(r *reader, s *Settings) { s.ThrottleBurst = r.integer("throttleBurst", 100, 1, 5000) }},
	{"waf", func(r *reader, s *Settings) { s.WAF = r.boolean("waf", false) }},
	{"wafRateLimit", func(r *reader, s *Settings) { s.WAFRateLimit = r.integer("wafRateLimit", 1000, 10, 2_000_000_000) }},
	{"priceClass", func(r *reader, s *Settings) { s.PriceClass = r.oneOf("priceClass", "100", "100", "200", "All") }},
	{"retain", func(r *reader, s *Settings) { s.Retain = r.boolean("retain", true) }},
	{"tracing", func(r *reader, s *Settings) { s.Tracing = r.boolean("tracing", false) }},
	{"logRetentionDays", func(r *reader, s *Settings) {
		s.LogRetentionDays = r.oneOfInt("logRetentionDays", 90, logRetentionDays)
	}},
	{"apiGatewayAccountRole", func(r *reader, s *Settings) { s.APIGatewayAccountRole = r.boolean("apiGatewayAccountRole", true) }},
	{"secretsGeneration", func(r *reader, s *Settings) { s.SecretsGeneration = r.str("secretsGeneration", "1") }},
	{"alarmEmail", func(r *reader, s *Settings) { s.Alarms.Email = r.str("alarmEmail", "") }},
	{"alarmFunctionErrors", func(r *reader, s *Settings) {
		s.Alarms.FunctionErrors = r.integer("alarmFunctionErrors", 5, 1, 1_000_000)
	}},
	{"alarmDurationPercent", func(r *reader, s *Settings) {
		s.Alarms.DurationPercent = r.integer("alarmDurationPercent", 80, 10, 100)
	}},
	{"alarmThrottles", func(r *reader, s *Settings) { s.Alarms.Throttles = r.integer("alarmThrottles", 1, 1, 1_000_000) }},
	{"alarmTableErrors", func(r *reader, s *Settings) { s.Alarms.TableErrors = r.integer("alarmTableErrors", 1, 1, 1_000_000) }},
	{"alarmApi5xxPercent", func(r *reader, s *Settings) { s.Alarms.API5xxPercent = r.integer("alarmApi5xxPercent", 1, 1, 100) }},
	{"alarmApi4xxPercent", func(r *reader, s *Settings) { s.Alarms.API4xxPercent = r.integer("alarmApi4xxPercent", 25, 1, 100) }},
	{"alarmApiThrottles", func(r *reader, s *Settings) { s.Alarms.APIThrottles = r.integer("alarmApiThrottles", 50, 1, 1_000_000) }},
	{"alarmAuthorizerFailures", func(r *reader, s *Settings) {
		s.Alarms.AuthorizerFailures = r.integer("alarmAuthorizerFailures", 3, 1, 1_000_000)
	}},
	{"alarmUnauthorized", func(r *reader, s *Settings) {
		s.Alarms.Unauthorized = r.integer("alarmUnauthorized", 100, 1, 1_000_000)
	}},
	{"alarmSignInFailures", func(r *reader, s *Settings) {
		s.Alarms.SignInFailures = r.integer("alarmSignInFailures", 20, 1, 1_000_000)
	}},
	{"alarmWafBlocked", func(r *reader, s *Settings) {
		s.Alarms.WAFBlocked = r.integer("alarmWafBlocked", 1000, 1, 1_000_000_000)
	}},
	{"alarmApiWafBlocked", func(r *reader, s *Settings) {
		s.Alarms.APIWAFBlocked = r.integer("alarmApiWafBlocked", 100, 1, 1_000_000_000)
	}},
	{"assetDir", func(r *reader, s *Settings) { s.AssetDir = r.str("assetDir", "dist") }},
	{"webDir", func(r *reader, s *Settings) { s.WebDir = r.str("webDir", "web") }},
	{"githubRepository", func(r *reader, s *Settings) { s.GitHubRepository = r.str("githubRepository", "") }},
	{"githubEnvironment", func(r *reader, s *Settings) { s.GitHubEnvironment = r.str("githubEnvironment", "production") }},
	{"githubOidcProviderArn", func(r *reader, s *Settings) { s.GitHubOIDCProviderARN = r.str("githubOidcProviderArn", "") }},
}

// logRetentionDays are the retention periods CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ReadSettings reads the settings through get (a construct node's
// TryGetContext) and checks them, reporting every problem at once. all is
// every context key present, so that a misspelt setting is an error rather
// than a silent default.
func ReadSettings(get func(key string) any, all []string) (Settings, error) {
	r := &reader{get: get}
	var s Settings
	known := map[string]bool{}
	for _, st := range settings {
		known[st.key] = true
		st.apply(r, &s)
	}
	// Latchkey's keys are lowerCamelCase; CDK's own contain ':', '@' or '-'.
	for _, k := range all {
		if ourStyle.MatchString(k) && !known[k] {
			r.errs = append(r.errs, fmt.Errorf("unknown setting %q (the settings are listed in docs/DEPLOY.md, \"Settings\")", k))
		}
	}
	r.errs = append(r.errs, s.check()...)
	if err := errors.Join(r.errs...); err != nil {
		return Settings{}, fmt.Errorf("settings: %w", err)
	}
	return s, nil
}

var ourStyle = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// maxSecretScanningKeys bounds secretScanningKeys: a function's variables
// share Lambda's 4 KB ("Lambda quotas",
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html),
// and a few keys of GitHub's take under 1 KB.
const maxSecretScanningKeys = 2048

var (
	domainRE    = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	stackNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,100}$`)
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	// noCloudFrontLogRegions are the regions whose S3 buckets CloudFront's
	// standard logs cannot reach ("Choosing an Amazon S3 bucket for your
	// standard logs", CloudFront Developer Guide; the same four are named by
	// the AWSConfigRemediation-EnableCloudFrontAccessLogs runbook).
	noCloudFrontLogRegions = []string{"af-south-1", "ap-east-1", "eu-south-1", "me-south-1"}
	generationRE           = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)
	accountRE              = regexp.MustCompile(`^\d{12}$`)
	emailRE                = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// GitHub's owner names are letters, digits and single hyphens (at most
	// 39); repository names letters, digits, '.', '_' and '-'. Neither can
	// hold a wildcard, so the role's trust names one repository.
	githubRepositoryRE  = regexp.MustCompile(`^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$`)
	githubEnvironmentRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	githubProviderARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/` + regexp.QuoteMeta(githubOIDCHost) + `$`)
)

// check validates what a reader cannot see one key at a time. The function
// configuration itself is checked later by config.Load, the same code the
// functions run at cold start.
func (s Settings) check() []error {
	var errs []error
	if len(s.SecretScanningKeys) > maxSecretScanningKeys {
		errs = append(errs, fmt.Errorf("secretScanningKeys: %d characters; at most %d, since every variable of a function shares Lambda's 4 KB "+
			"(use \"github\", or secretScanningFetchUrl)", len(s.SecretScanningKeys), maxSecretScanningKeys))
	}
	if !stackNameRE.MatchString(s.StackName) {
		errs = append(errs, fmt.Errorf("stackName %q: letters, digits and '-', starting with a letter", s.StackName))
	}
	if s.Account != "" && !accountRE.MatchString(s.Account) {
		errs = append(errs, fmt.Errorf("account %q is not a 12-digit AWS account id", s.Account))
	}
	if s.Region != "" && !regionRE.MatchString(s.Region) {
		errs = append(errs, fmt.Errorf("region %q is not an AWS region name", s.Region))
	}
	if slices.Contains(noCloudFrontLogRegions, s.Region) {
		errs = append(errs, fmt.Errorf("region %q: CloudFront does not deliver its standard logs to a bucket there, and the stack keeps them in its region; "+
			"deploy in another region", s.Region))
	}
	if s.DomainName != "" {
		if !domainRE.MatchString(s.DomainName) {
			errs = append(errs, fmt.Errorf("domainName %q is not a DNS name like app.example.com", s.DomainName))
		}
		if s.HostedZoneID == "" {
			errs = append(errs, errors.New("domainName needs hostedZoneId: the Route 53 zone where the certificate is validated and the alias records go"))
		}
		if s.DomainName != s.HostedZoneName && !strings.HasSuffix(s.DomainName, "."+s.HostedZoneName) {
			errs = append(errs, fmt.Errorf("domainName %q is not in hostedZoneName %q", s.DomainName, s.HostedZoneName))
		}
	} else if s.HostedZoneID != "" {
		errs = append(errs, errors.New("hostedZoneId is set without domainName"))
	}
	if (s.DomainName != "" || s.WAF) && s.Region == "" {
		errs = append(errs, errors.New("a domain or the WAF needs a region (the certificate and the web ACL live in us-east-1, beside a stack in a known region): "+
			"set -c region=… or run the CDK CLI with an AWS profile"))
	}
	if s.ThrottleBurst < s.ThrottleRate {
		errs = append(errs, fmt.Errorf("throttleBurst (%d) is below throttleRate (%d)", s.ThrottleBurst, s.ThrottleRate))
	}
	if !generationRE.MatchString(s.SecretsGeneration) {
		errs = append(errs, fmt.Errorf("secretsGeneration %q: 1 to 32 letters, digits, '.', '_' or '-'", s.SecretsGeneration))
	}
	if s.Alarms.Email != "" && !emailRE.MatchString(s.Alarms.Email) {
		errs = append(errs, fmt.Errorf("alarmEmail %q is not an email address", s.Alarms.Email))
	}
	errs = append(errs, s.checkGitHub()...)
	if s.AssetDir == "" || s.WebDir == "" {
		errs = append(errs, errors.New("assetDir and webDir must not be empty"))
	}
	return errs
}

// checkGitHub validates the deploy role's settings.
func (s Settings) checkGitHub() []error {
	var errs []error
	if s.GitHubRepository == "" {
		if s.GitHubOIDCProviderARN != "" {
			errs = append(errs, errors.New("githubOidcProviderArn is set without githubRepository"))
		}
		return errs
	}
	if !githubRepositoryRE.MatchString(s.GitHubRepository) || strings.HasSuffix(s.GitHubRepository, "/.") || strings.HasSuffix(s.GitHubRepository, "/..") {
		errs = append(errs, fmt.Errorf("githubRepository %q: one repository as owner/name, no wildcard", s.GitHubRepository))
	}
	if !githubEnvironmentRE.MatchString(s.GitHubEnvironment) {
		errs = append(errs, fmt.Errorf("githubEnvironment %q: one GitHub environment, of letters, digits, '.', '_' and '-'", s.GitHubEnvironment))
	}
	if s.GitHubOIDCProviderARN != "" && !githubProviderARNRE.MatchString(s.GitHubOIDCProviderARN) {
		errs = append(errs, fmt.Errorf("githubOidcProviderArn %q is not the ARN of an IAM OIDC provider for %s", s.GitHubOIDCProviderARN, githubOIDCHost))
	}
	if s.Region == "" {
		errs = append(errs, errors.New("githubRepository needs a region: the deploy role may use the CDK's bootstrap roles of that region (and us-east-1 with a domain or the WAF); "+
			"set -c region=… or run the CDK CLI with an AWS profile"))
	}
	return errs
}

// NeedsEdgeStack reports whether anything must live in us-east-1.
func (s Settings) NeedsEdgeStack() bool { return s.DomainName != "" || s.WAF }

// SignInConfigured reports whether an identity provider is configured.
func (s Settings) SignInConfigured() bool { return s.OIDCIssuer != "" || s.GitHubClientID != "" }

// reader reads typed values from context. Context from cdk.json keeps its
// JSON types; from `-c key=value` every value is a string; both are
// accepted.
type reader struct {
	get  func(string) any
	errs []error
}

func (r *reader) fail(key string, v any, want string) {
	r.errs = append(r.errs, fmt.Errorf("%s=%s: want %s", key, contextJSON(v), want))
}

func (r *reader) str(key, def string) string {
	switch v := r.get(key).(type) {
	case nil:
		return def
	case string:
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
		return def
	default:
		r.fail(key, v, "a string")
		return def
	}
}

func (r *reader) boolean(key string, def bool) bool {
	switch v := r.get(key).(type) {
	case nil:
		return def
	case bool:
		return v
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			r.fail(key, v, "true or false")
			return def
		}
		return b
	default:
		r.fail(key, v, "true or false")
		return def
	}
}

func (r *reader) integer(key string, def, lo, hi int) int {
	var n int
	switch v := r.get(key).(type) {
	case nil:
		return def
	case float64:
		if v != math.Trunc(v) {
			r.fail(key, v, "a whole number")
			return def
		}
		n = int(v)
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			r.fail(key, v, "a whole number")
			return def
		}
		n = i
	default:
		r.fail(key, v, "a whole number")
		return def
	}
	if n < lo || n > hi {
		r.fail(key, n, fmt.Sprintf("a number from %d to %d", lo, hi))
		return def
	}
	return n
}

func (r *reader) oneOf(key, def string, allowed ...string) string {
	v := r.str(key, def)
	if !slices.Contains(allowed, v) {
		r.fail(key, v, "one of "+strings.Join(allowed, ", "))
		return def
	}
	return v
}

func (r *reader) oneOfInt(key string, def int, allowed []int) int {
	n := r.integer(key, def, allowed[0], allowed[len(allowed)-1])
	if !slices.Contains(allowed, n) {
		r.fail(key, n, fmt.Sprintf("one of %v", allowed))
		return def
	}
	return n
}

// duration accepts a Go duration ("30s", "12h"), the form the functions'
// configuration reads; config.Load checks the bounds later.
func (r *reader) duration(key, def string) string {
	v := r.str(key, def)
	if _, err := time.ParseDuration(v); err != nil {
		r.fail(key, v, `a Go duration such as "30s" or "12h"`)
		return def
	}
	return v
}

// list accepts a JSON array of strings (cdk.json) or a comma-separated
// string (-c editors=a@x.com,b@x.com).
func (r *reader) list(key string) []string {
	var items []string
	switch v := r.get(key).(type) {
	case nil:
		return nil
	case string:
		items = strings.Split(v, ",")
	case []any:
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				r.fail(key, v, "a list of strings")
				return nil
			}
			items = append(items, s)
		}
	default:
		r.fail(key, v, "a list of strings or a comma-separated string")
		return nil
	}
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// contextJSON renders a value for an error message.
func contextJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
