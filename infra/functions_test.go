package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/login"
	"github.com/latchkey/latchkey/internal/routes"
)

// TestFunctionSettings: every function is provided.al2023 on arm64 from its
// built bootstrap, sized by kind, logging to its own log group with a
// retention, traced when tracing is on, and configured by environment with
// no secret in it — only the ARNs of the secrets its kind reads.
func TestFunctionSettings(t *testing.T) {
	for _, tc := range deployments {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d(t)
			for _, f := range Functions(routes.Table) {
				r := resource(t, d.tmpl, logicalName(f.Name)+"Function")
				p := props(r)
				size := sizing[f.Kind]
				if p["Runtime"] != "provided.al2023" || jsonString(p["Architectures"]) != `["arm64"]` || p["Handler"] != "bootstrap" {
					t.Errorf("%s: runtime %v %v handler %v; want provided.al2023, arm64, bootstrap", f.Name, p["Runtime"], p["Architectures"], p["Handler"])
				}
				if p["MemorySize"] != float64(size.memoryMB) || p["Timeout"] != size.timeout.Seconds() {
					t.Errorf("%s: %v MB, %v s; want %d MB, %v", f.Name, p["MemorySize"], p["Timeout"], size.memoryMB, size.timeout)
				}
				if tr := get(p, "TracingConfig", "Mode"); (tr == "Active") != tc.tracing {
					t.Errorf("%s: tracing %v; want active = %v", f.Name, tr, tc.tracing)
				}
				if get(p, "LoggingConfig", "LogFormat") != "JSON" {
					t.Errorf("%s: log format %v; want JSON (Lambda's request id on every line)", f.Name, get(p, "LoggingConfig", "LogFormat"))
				}
				logs := resource(t, d.tmpl, refTo(get(p, "LoggingConfig", "LogGroup")))
				if props(logs)["RetentionInDays"] != float64(d.l.Settings.LogRetentionDays) {
					t.Errorf("%s: log retention %v; want %d days", f.Name, props(logs)["RetentionInDays"], d.l.Settings.LogRetentionDays)
				}

				env, _ := get(p, "Environment", "Variables").(map[string]any)
				for _, plainSecret := range []string{"LATCHKEY_OIDC_CLIENT_SECRET", "LATCHKEY_GITHUB_CLIENT_SECRET", "LATCHKEY_LOGIN_KEY", "LATCHKEY_ORIGIN_SECRET"} {
					if _, ok := env[plainSecret]; ok {
						t.Errorf("%s: %s is in the environment; want only its _ARN", f.Name, plainSecret)
					}
				}
				wantARNs := []string{"LATCHKEY_ORIGIN_SECRET_ARN"}
				if f.Kind == KindSignIn {
					wantARNs = append(wantARNs, "LATCHKEY_LOGIN_KEY_ARN")
					if tc.signIn {
						wantARNs = append(wantARNs, "LATCHKEY_OIDC_CLIENT_SECRET_ARN")
					}
				}
				var gotARNs []string
				for k, v := range env {
					if strings.HasSuffix(k, "_ARN") {
						gotARNs = append(gotARNs, k)
						if refTo(v) == "" {
							t.Errorf("%s: %s = %s; want a reference to the stack's secret", f.Name, k, jsonString(v))
						}
					}
				}
				slices.Sort(gotARNs)
				slices.Sort(wantARNs)
				if !slices.Equal(gotARNs, wantARNs) {
					t.Errorf("%s: secret ARNs %v; want %v", f.Name, gotARNs, wantARNs)
				}
				if v, ok := env["LATCHKEY_DYNAMODB_ENDPOINT"]; !ok || v != "" {
					t.Errorf("%s: LATCHKEY_DYNAMODB_ENDPOINT = %v, %v; want declared and empty (for sam local invoke --env-vars)", f.Name, v, ok)
				}
				if env["LATCHKEY_TABLE_PREFIX"] != d.l.Settings.TablePrefix || env["LATCHKEY_ENV"] != d.l.Settings.Env {
					t.Errorf("%s: prefix %v, env %v; want the settings'", f.Name, env["LATCHKEY_TABLE_PREFIX"], env["LATCHKEY_ENV"])
				}
				// The stack's name is the Deployment dimension of every
				// metric the function writes, which the alarms select.
				if env["LATCHKEY_DEPLOYMENT"] != d.l.Settings.StackName {
					t.Errorf("%s: LATCHKEY_DEPLOYMENT = %v; want the stack's name %s", f.Name, env["LATCHKEY_DEPLOYMENT"], d.l.Settings.StackName)
				}
			}
		})
	}
	if got := functionEnvironment(Settings{StackName: "Latchkey-Staging"}, "https://app.example.com")["LATCHKEY_DEPLOYMENT"]; got == nil || *got != "Latchkey-Staging" {
		t.Errorf("stackName Latchkey-Staging: LATCHKEY_DEPLOYMENT = %v; want the stack's name", got)
	}
}

// TestPublicURL: with a domain the functions know it at synth; without, they
// get CloudFront's address from the distribution.
func TestPublicURL(t *testing.T) {
	env := get(props(resource(t, full(t).tmpl, "MeFunction")), "Environment", "Variables")
	if got := get(env, "LATCHKEY_PUBLIC_URL"); got != "https://"+fullDomain {
		t.Errorf("full: LATCHKEY_PUBLIC_URL = %v; want https://%s", got, fullDomain)
	}
	env = get(props(resource(t, plain(t).tmpl, "MeFunction")), "Environment", "Variables")
	if got := get(env, "LATCHKEY_PUBLIC_URL"); !strings.Contains(jsonString(got), "DomainName") {
		t.Errorf("plain: LATCHKEY_PUBLIC_URL = %s; want the distribution's domain name", jsonString(got))
	}
}

// TestSignInFunctionsAreTheOnesThatSignIn holds the rule that gives the
// sign-in secrets (a route marked SignIn) to the code: exactly the
// functions that link internal/login are sign-in functions.
func TestSignInFunctionsAreTheOnesThatSignIn(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the functions' packages: %v", err)
	}
	// One line a function: its import path and every package it links.
	cmd := exec.Command(gobin, "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./functions/...")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	linksLogin := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		name := strings.TrimPrefix(fields[0], "github.com/latchkey/latchkey/functions/")
		linksLogin[name] = slices.Contains(fields[1:], "github.com/latchkey/latchkey/internal/login")
	}
	for _, f := range Functions(routes.Table) {
		if f.Kind == KindAuthorizer {
			continue
		}
		if (f.Kind == KindSignIn) != linksLogin[f.Name] {
			t.Errorf("%s: sign-in kind = %v but links internal/login = %v; the sign-in secrets would go to the wrong functions",
				f.Name, f.Kind == KindSignIn, linksLogin[f.Name])
		}
	}
}

// TestMissingBootstrapsFailClearly: without `make build`, the app stops
// before synthesizing and says what to run.
func TestMissingBootstrapsFailClearly(t *testing.T) {
	s, err := readFrom(map[string]any{"assetDir": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewLatchkey(awscdk.NewApp(nil), s, routes.Table)
	if err == nil {
		t.Fatal("NewLatchkey(no bootstraps) = nil; want an error")
	}
	for _, want := range []string{"make build", filepath.Join(s.AssetDir, "me", "bootstrap"), filepath.Join(s.AssetDir, "authorizer", "bootstrap")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// TestSAMMetadata: synthesized the way the CDK CLI does, each function
// carries the asset metadata `sam local invoke -t cdk.out/<stack>.template.json`
// reads, pointing at a folder holding its bootstrap.
func TestSAMMetadata(t *testing.T) {
	d := full(t)
	outdir := *d.app.Outdir()
	for _, f := range Functions(routes.Table) {
		r := resource(t, d.tmpl, logicalName(f.Name)+"Function")
		md, _ := r["Metadata"].(map[string]any)
		path, _ := md["aws:asset:path"].(string)
		if path == "" || md["aws:asset:property"] != "Code" {
			t.Errorf("%s: metadata %s; want aws:asset:path and aws:asset:property Code", f.Name, jsonString(md))
			continue
		}
		if _, err := os.Stat(filepath.Join(outdir, path, "bootstrap")); err != nil {
			t.Errorf("%s: asset %s has no bootstrap: %v", f.Name, path, err)
		}
	}
}

// TestSAMEnvFile: every variable infra/sam-env.json sets is declared by the
// functions (SAM ignores the others), with the secret ARNs among them.
func TestSAMEnvFile(t *testing.T) {
	b, err := os.ReadFile("sam-env.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Parameters map[string]string }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("sam-env.json: %v", err)
	}
	declared := map[string]bool{}
	for _, d := range []*deployment{plain(t), full(t)} {
		for _, fn := range Functions(routes.Table) {
			env, _ := get(props(resource(t, d.tmpl, logicalName(fn.Name)+"Function")), "Environment", "Variables").(map[string]any)
			for k := range env {
				declared[k] = true
			}
		}
	}
	declared["LATCHKEY_GITHUB_CLIENT_SECRET_ARN"] = true // with githubClientId (TestClientSecretVariable)
	for k := range f.Parameters {
		if !declared[k] {
			t.Errorf("sam-env.json sets %s, which no function declares: SAM would ignore it", k)
		}
	}
	for k := range declared {
		if strings.HasSuffix(k, "_ARN") {
			if v, ok := f.Parameters[k]; !ok || v != "" {
				t.Errorf("sam-env.json: %s = %q; want it cleared, so that a local run reads no AWS secret", k, v)
			}
		}
	}
}

// TestClientSecretVariable: the client secret's ARN reaches the sign-in
// functions under the variable of the configured provider.
func TestClientSecretVariable(t *testing.T) {
	for _, tc := range []struct {
		ctx  map[string]any
		want string
	}{
		{map[string]any{"oidcIssuer": "https://idp.example.com", "oidcClientId": "x"}, "LATCHKEY_OIDC_CLIENT_SECRET_ARN"},
		{map[string]any{"githubClientId": "gh"}, "LATCHKEY_GITHUB_CLIENT_SECRET_ARN"},
	} {
		s, err := readFrom(tc.ctx)
		if err != nil {
			t.Fatal(err)
		}
		sec := newSecrets(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil), s)
		got := sec.forFunction(KindSignIn, s)
		if _, ok := got[tc.want]; !ok || len(got) != 3 {
			t.Errorf("sign-in secrets with %v = %v; want the origin secret, the login key and %s", tc.ctx, sortedKeys(got), tc.want)
		}
		if api := sec.forFunction(KindAPI, s); len(api) != 1 {
			t.Errorf("API function secrets = %v; want the origin secret alone", sortedKeys(api))
		}
	}
}

// TestSignInTimeoutOutlastsTheProvider: a sign-in function's Lambda
// timeout leaves at least two seconds after the longest the identity
// provider may take (login.DefaultProviderTimeout), so a slow provider ends
// in the function's own error answer rather than in Lambda killing it.
func TestSignInTimeoutOutlastsTheProvider(t *testing.T) {
	if spare := sizing[KindSignIn].timeout - login.DefaultProviderTimeout; spare < 2*time.Second {
		t.Fatalf("sign-in timeout %v leaves %v after the provider's %v; want at least 2s",
			sizing[KindSignIn].timeout, spare, login.DefaultProviderTimeout)
	}
}
