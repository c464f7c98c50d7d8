package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func readFrom(ctx map[string]any) (Settings, error) {
	var keys []string
	for k := range ctx {
		keys = append(keys, k)
	}
	return ReadSettings(func(k string) any { return ctx[k] }, keys)
}

func TestSettingsDefaultsWithNoContext(t *testing.T) {
	t.Setenv("CDK_DEFAULT_ACCOUNT", "")
	t.Setenv("CDK_DEFAULT_REGION", "")
	s, err := readFrom(nil)
	if err != nil {
		t.Fatalf("ReadSettings(no context) = %v", err)
	}
	want := Settings{
		StackName: "Latchkey", Env: "live", CacheTTL: "30s", SessionTTL: "12h", SessionIdle: "1h", SecurityLogDays: 90,
		TablePrefix: "latchkey-", ThrottleRate: 50, ThrottleBurst: 100, WAFRateLimit: 1000, PriceClass: "100",
		Retain: true, LogRetentionDays: 90, APIGatewayAccountRole: true, SecretsGeneration: "1",
		Alarms: AlarmSettings{FunctionErrors: 5, DurationPercent: 80, Throttles: 1, TableErrors: 1, API5xxPercent: 1, API4xxPercent: 25,
			APIThrottles: 50, AuthorizerFailures: 3, Unauthorized: 100, SignInFailures: 20, WAFBlocked: 1000, APIWAFBlocked: 100},
		AssetDir: "dist", WebDir: "web", GitHubEnvironment: "production",
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("ReadSettings(no context) =\n%+v\nwant\n%+v", s, want)
	}
	if s.NeedsEdgeStack() || s.SignInConfigured() {
		t.Fatal("the defaults need an edge stack or have a sign-in provider; want neither")
	}
}

func TestSettingsTypedValues(t *testing.T) {
	// cdk.json keeps JSON types; -c key=value gives strings. Both work.
	tests := []struct {
		name string
		ctx  map[string]any
		want func(Settings) bool
	}{
		{"bool from JSON", map[string]any{"retain": false}, func(s Settings) bool { return !s.Retain }},
		{"bool from -c", map[string]any{"tracing": "true"}, func(s Settings) bool { return s.Tracing }},
		{"number from JSON", map[string]any{"throttleRate": 10.0, "throttleBurst": 20.0}, func(s Settings) bool { return s.ThrottleRate == 10 && s.ThrottleBurst == 20 }},
		{"number from -c", map[string]any{"throttleBurst": "500"}, func(s Settings) bool { return s.ThrottleBurst == 500 }},
		{"security log days from JSON", map[string]any{"securityLogDays": 365.0}, func(s Settings) bool { return s.SecurityLogDays == 365 }},
		{"security log days from -c", map[string]any{"securityLogDays": "7"}, func(s Settings) bool { return s.SecurityLogDays == 7 }},
		{"list from JSON", map[string]any{"editors": []any{"a@x.com", " b@x.com "}}, func(s Settings) bool { return reflect.DeepEqual(s.Editors, []string{"a@x.com", "b@x.com"}) }},
		{"list from -c", map[string]any{"editors": "a@x.com,,b@x.com"}, func(s Settings) bool { return reflect.DeepEqual(s.Editors, []string{"a@x.com", "b@x.com"}) }},
		{"table prefix follows the stack name", map[string]any{"stackName": "Latchkey-Dev"}, func(s Settings) bool { return s.TablePrefix == "latchkey-dev-" }},
		{"zone name defaults to the domain", map[string]any{"domainName": "App.Example.com", "hostedZoneId": "Z1", "region": "eu-west-1"},
			func(s Settings) bool {
				return s.DomainName == "app.example.com" && s.HostedZoneName == "app.example.com" && s.NeedsEdgeStack()
			}},
		{"CDK's own keys are not ours", map[string]any{"@aws-cdk/core:checkSecretUsage": true, "aws:cdk:enable-asset-metadata": true, "acknowledged-issue-numbers": []any{1.0}},
			func(s Settings) bool { return true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := readFrom(tc.ctx)
			if err != nil || !tc.want(s) {
				t.Fatalf("ReadSettings(%v) = %+v, %v", tc.ctx, s, err)
			}
		})
	}
}

func TestSettingsReportEveryProblemAtOnce(t *testing.T) {
	t.Setenv("CDK_DEFAULT_REGION", "")
	_, err := readFrom(map[string]any{
		"domainName":         "not a domain",
		"waf":                "yes please",
		"throttleRate":       "fast",
		"logRetentionDays":   42.0,
		"priceClass":         "cheap",
		"cacheTtl":           "a while",
		"domianName":         "typo.example.com",
		"stackName":          "9lives",
		"secretsGeneration":  "two words",
		"alarmEmail":         "ops at example.com",
		"alarmApi5xxPercent": 150.0,
	})
	if err == nil {
		t.Fatal("ReadSettings(bad) = nil; want errors")
	}
	for _, want := range []string{
		"domainName", "hostedZoneId", "waf", "throttleRate", "logRetentionDays", "priceClass", "cacheTtl",
		`unknown setting "domianName"`, "stackName", "needs a region", "secretsGeneration", "alarmEmail", "alarmApi5xxPercent",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ReadSettings(bad) error does not mention %q:\n%v", want, err)
		}
	}
}

// TestRegionsWithoutCloudFrontLogsAreRefused: the distribution's standard
// logs go to a bucket in the stack's region, which CloudFront cannot do in
// four regions; a deploy there is refused with the reason, not broken.
func TestRegionsWithoutCloudFrontLogsAreRefused(t *testing.T) {
	for _, region := range []string{"af-south-1", "ap-east-1", "eu-south-1", "me-south-1"} {
		_, err := readFrom(map[string]any{"region": region})
		if err == nil || !strings.Contains(err.Error(), "CloudFront does not deliver its standard logs") {
			t.Errorf("region %s: %v; want a refusal that says why", region, err)
		}
	}
	for _, region := range []string{"eu-west-1", "eu-south-2", "ap-east-2", "us-east-1"} {
		if _, err := readFrom(map[string]any{"region": region}); err != nil {
			t.Errorf("region %s: %v; want it accepted", region, err)
		}
	}
}

// TestFunctionConfigIsCheckedAtSynth: a setting the functions' own
// config.Load would refuse at cold start fails the synth instead, named by
// its setting.
func TestFunctionConfigIsCheckedAtSynth(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want []string
	}{
		{"issuer over http", map[string]any{"oidcIssuer": "http://idp.example.com", "oidcClientId": "x"}, []string{"oidcIssuer"}},
		{"issuer without a client", map[string]any{"oidcIssuer": "https://idp.example.com"}, []string{"oidcClientId"}},
		{"two providers", map[string]any{"oidcIssuer": "https://idp.example.com", "oidcClientId": "x", "githubClientId": "y"}, []string{"githubClientId", "oidcIssuer"}},
		{"bad environment", map[string]any{"env": "prod"}, []string{"env"}},
		{"wildcard origin", map[string]any{"allowedOrigins": "*"}, []string{"allowedOrigins"}},
		{"idle longer than the session", map[string]any{"sessionTtl": "1h", "sessionIdle": "2h"}, []string{"sessionIdle", "sessionTtl"}},
		{"secret-scanning keys that are no keys", map[string]any{"secretScanningKeys": "gitlab"}, []string{"secretScanningKeys"}},
		{"secret-scanning keys over http", map[string]any{"secretScanningFetchUrl": "http://api.github.com/meta/public_keys/secret_scanning"}, []string{"secretScanningFetchUrl"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := readFrom(tc.ctx)
			if err != nil {
				t.Fatalf("ReadSettings(%v) = %v", tc.ctx, err)
			}
			err = checkFunctionConfig(s)
			if err == nil {
				t.Fatalf("checkFunctionConfig(%v) = nil; want an error", tc.ctx)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("checkFunctionConfig(%v) error does not name %s:\n%v", tc.ctx, w, err)
				}
			}
		})
	}
	s, _ := readFrom(nil)
	if err := checkFunctionConfig(s); err != nil {
		t.Fatalf("checkFunctionConfig(defaults) = %v", err)
	}
}

// TestEverySettingIsDocumented: every setting has a row in docs/DEPLOY.md's
// settings table (alone or beside its pair, `throttleRate`, `throttleBurst`).
func TestEverySettingIsDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/DEPLOY.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(b), "\n## Settings\n")
	table, _, _ = strings.Cut(table, "\n## ")
	rows := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if first, _, ok := strings.Cut(strings.TrimPrefix(line, "| "), " |"); ok {
			for _, k := range strings.Split(first, ",") {
				rows[strings.Trim(strings.TrimSpace(k), "`")] = true
			}
		}
	}
	for _, st := range settings {
		if !rows[st.key] {
			t.Errorf("setting %s has no row in docs/DEPLOY.md's settings table", st.key)
		}
	}
}
