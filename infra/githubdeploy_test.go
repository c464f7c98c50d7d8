package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// bootstrapRoleARNs are the ARNs the deploy role may assume, written out
// here as the spec: the deploy, file-publishing and lookup roles of the
// qualifier in each region, as CloudFormation will build them (joined).
func bootstrapRoleARNs(qualifier, account string, regions ...string) []string {
	var out []string
	for _, region := range regions {
		for _, role := range []string{"deploy-role", "file-publishing-role", "lookup-role"} {
			out = append(out, "arn:aws:iam::"+account+":role/cdk-"+qualifier+"-"+role+"-"+account+"-"+region)
		}
	}
	slices.Sort(out)
	return out
}

// deployRole returns the one role of a GitHub deploy stack's template, and
// its trust statement with the principal taken out, and that principal.
func deployRole(t *testing.T, tmpl map[string]any) (role, trust map[string]any, federated any) {
	t.Helper()
	roles := resources(tmpl, "AWS::IAM::Role")
	if len(roles) != 1 {
		t.Fatalf("%d roles in the GitHub deploy stack; want 1", len(roles))
	}
	for _, r := range roles {
		role = r
	}
	stmts := asList(get(props(role), "AssumeRolePolicyDocument", "Statement"))
	if len(stmts) != 1 {
		t.Fatalf("trust policy with %d statements; want 1: %s", len(stmts), jsonString(stmts))
	}
	trust = map[string]any{}
	for k, v := range stmts[0].(map[string]any) {
		trust[k] = v
	}
	federated = get(trust, "Principal", "Federated")
	if p, _ := trust["Principal"].(map[string]any); len(p) != 1 || federated == nil {
		t.Errorf("trust principal %s; want one federated provider", jsonString(trust["Principal"]))
	}
	delete(trust, "Principal")
	return role, trust, federated
}

// wantTrust is the trust statement, less its principal, for a repository
// and an environment: GitHub's token for STS, from that repository's jobs
// in that environment, matched exactly.
func wantTrust(repository, environment string) map[string]any {
	return map[string]any{
		"Effect": "Allow",
		"Action": "sts:AssumeRoleWithWebIdentity",
		"Condition": map[string]any{"StringEquals": map[string]any{
			"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
			"token.actions.githubusercontent.com:sub": "repo:" + repository + ":environment:" + environment,
		}},
	}
}

// assumableRoles checks that the role's only permission is one inline
// policy allowing sts:AssumeRole, and returns the resources it names.
func assumableRoles(t *testing.T, tmpl map[string]any, role map[string]any) []string {
	t.Helper()
	if mp := props(role)["ManagedPolicyArns"]; mp != nil {
		t.Errorf("the deploy role has managed policies %s", jsonString(mp))
	}
	if b := props(role)["PermissionsBoundary"]; b != nil {
		t.Errorf("unexpected permissions boundary %s", jsonString(b))
	}
	for id, r := range tmpl["Resources"].(map[string]any) {
		switch typ := get(r, "Type"); typ {
		case "AWS::IAM::Role", "AWS::IAM::OIDCProvider", "AWS::CDK::Metadata":
		default:
			t.Errorf("%s: a %v in the GitHub deploy stack; want the role and the provider alone", id, typ)
		}
	}
	policies := asList(props(role)["Policies"])
	if len(policies) != 1 {
		t.Fatalf("%d inline policies; want 1: %s", len(policies), jsonString(policies))
	}
	var arns []string
	for _, st := range asList(get(policies[0], "PolicyDocument", "Statement")) {
		if get(st, "Effect") != "Allow" || get(st, "Action") != "sts:AssumeRole" || get(st, "Condition") != nil || get(st, "NotResource") != nil || get(st, "NotAction") != nil {
			t.Errorf("statement %s; want Allow sts:AssumeRole on named roles, nothing else", jsonString(st))
		}
		for _, r := range asList(get(st, "Resource")) {
			arn, ok := joined(r)
			if !ok || strings.Contains(arn, "*") {
				t.Errorf("resource %s; want a role's exact ARN", jsonString(r))
			}
			arns = append(arns, arn)
		}
	}
	slices.Sort(arns)
	return arns
}

// TestGitHubDeployRoleTrust: with githubRepository set, the deploy role
// trusts GitHub's OIDC provider (created, for sts.amazonaws.com, and kept
// when the stack goes) only for a token whose audience is STS and whose
// subject is a job of that repository in its environment — StringEquals on
// both, no StringLike, nothing else.
func TestGitHubDeployRoleTrust(t *testing.T) {
	d := full(t)
	if d.l.GitHubDeploy == nil || d.github == nil {
		t.Fatal("no GitHub deploy stack with githubRepository set")
	}
	if got, want := *d.l.GitHubDeploy.Stack.StackName(), d.l.Settings.StackName+"-GitHubDeploy"; got != want {
		t.Errorf("stack name %s; want %s", got, want)
	}
	_, trust, federated := deployRole(t, d.github)
	if want := wantTrust(fullGitHubRepository, "production"); jsonString(trust) != jsonString(want) {
		t.Errorf("trust statement\n%s\nwant\n%s", jsonString(trust), jsonString(want))
	}
	providers := resources(d.github, "AWS::IAM::OIDCProvider")
	if len(providers) != 1 {
		t.Fatalf("%d OIDC providers; want 1", len(providers))
	}
	for id, p := range providers {
		if refTo(federated) != id {
			t.Errorf("the role trusts %s; want the stack's provider %s", jsonString(federated), id)
		}
		if got := props(p)["Url"]; got != "https://token.actions.githubusercontent.com" {
			t.Errorf("provider URL %v", got)
		}
		if got := jsonString(props(p)["ClientIdList"]); got != `["sts.amazonaws.com"]` {
			t.Errorf("provider audiences %s; want sts.amazonaws.com alone", got)
		}
		if p["DeletionPolicy"] != "Retain" {
			t.Errorf("provider deletion policy %v; want Retain (the account's one provider may serve other roles)", p["DeletionPolicy"])
		}
	}
}

// TestGitHubDeployRoleIsLeastPrivilege: the deploy role may do one thing,
// sts:AssumeRole, on the CDK bootstrap roles `cdk deploy` and `cdk diff`
// use — deploy, file publishing, lookup — of its own account, in the
// deployment's region and, with the edge stack, us-east-1. Not the image
// publishing role: no stack of either deployment has a container image
// asset.
func TestGitHubDeployRoleIsLeastPrivilege(t *testing.T) {
	d := full(t)
	role, _, _ := deployRole(t, d.github)
	got := assumableRoles(t, d.github, role)
	if want := bootstrapRoleARNs("hnb659fds", "123456789012", "eu-west-1", "us-east-1"); !slices.Equal(got, want) {
		t.Errorf("the deploy role may assume\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, dep := range []*deployment{plain(t), d} {
		manifests, err := filepath.Glob(filepath.Join(*dep.app.Outdir(), "*.assets.json"))
		if err != nil || len(manifests) == 0 {
			t.Fatalf("no asset manifests in %s: %v", *dep.app.Outdir(), err)
		}
		for _, m := range manifests {
			raw, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			var manifest struct {
				DockerImages map[string]any `json:"dockerImages"`
			}
			if err := json.Unmarshal(raw, &manifest); err != nil {
				t.Fatal(err)
			}
			if len(manifest.DockerImages) != 0 {
				t.Errorf("%s has container image assets: the deploy role would need the image publishing role", filepath.Base(m))
			}
		}
	}
}

// TestNoGitHubDeployStackWithoutTheSetting: without githubRepository the app
// has no deploy role at all.
func TestNoGitHubDeployStackWithoutTheSetting(t *testing.T) {
	d := plain(t)
	if d.l.GitHubDeploy != nil || d.github != nil {
		t.Fatal("a GitHub deploy stack without githubRepository")
	}
	for _, c := range *d.app.Node().Children() {
		if strings.HasSuffix(*c.Node().Id(), "-GitHubDeploy") {
			t.Errorf("the app has %s without githubRepository", *c.Node().Id())
		}
	}
}

// TestGitHubDeployRoleWithTheAccountsProvider: with githubOidcProviderArn
// the stack creates no provider and trusts the one named; without the edge
// stack the role reaches the deployment's region alone; another environment
// and bootstrap qualifier are the ones used.
func TestGitHubDeployRoleWithTheAccountsProvider(t *testing.T) {
	const provider = "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com"
	s, err := readFrom(map[string]any{
		"account": "210987654321", "region": "eu-central-1",
		"githubRepository": "Example-Org/api.service", "githubEnvironment": "staging", "githubOidcProviderArn": provider,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := cdkJSONContext()
	if err != nil {
		t.Fatal(err)
	}
	ctx["@aws-cdk/core:bootstrapQualifier"] = "team42"
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
	tmpl := *assertions.Template_FromStack(newGitHubDeployStack(app, s).Stack, nil).ToJSON()
	if n := len(resources(tmpl, "AWS::IAM::OIDCProvider")); n != 0 {
		t.Errorf("%d OIDC providers created beside githubOidcProviderArn; want none", n)
	}
	role, trust, federated := deployRole(t, tmpl)
	if federated != provider {
		t.Errorf("the role trusts %s; want %s", jsonString(federated), provider)
	}
	if want := wantTrust("Example-Org/api.service", "staging"); jsonString(trust) != jsonString(want) {
		t.Errorf("trust statement\n%s\nwant\n%s", jsonString(trust), jsonString(want))
	}
	if got, want := assumableRoles(t, tmpl, role), bootstrapRoleARNs("team42", "210987654321", "eu-central-1"); !slices.Equal(got, want) {
		t.Errorf("the deploy role may assume\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGitHubSettingsAreChecked: a repository pattern, an environment that
// could reach into the subject's other fields, a provider that is not
// GitHub's, or a role without a region to deploy to are refused.
func TestGitHubSettingsAreChecked(t *testing.T) {
	t.Setenv("CDK_DEFAULT_REGION", "")
	region := "eu-west-1"
	tests := []struct {
		name string
		ctx  map[string]any
		want string
	}{
		{"every repository of an owner", map[string]any{"githubRepository": "latchkey/*", "region": region}, "githubRepository"},
		{"every owner", map[string]any{"githubRepository": "*/latchkey", "region": region}, "githubRepository"},
		{"no name", map[string]any{"githubRepository": "latchkey", "region": region}, "githubRepository"},
		{"a subject's other fields", map[string]any{"githubRepository": "latchkey/latchkey:ref:refs/heads/main", "region": region}, "githubRepository"},
		{"a dot name", map[string]any{"githubRepository": "latchkey/..", "region": region}, "githubRepository"},
		{"an environment pattern", map[string]any{"githubRepository": "latchkey/latchkey", "githubEnvironment": "prod*", "region": region}, "githubEnvironment"},
		{"an environment with a colon", map[string]any{"githubRepository": "latchkey/latchkey", "githubEnvironment": "production:x", "region": region}, "githubEnvironment"},
		{"another issuer's provider", map[string]any{"githubRepository": "latchkey/latchkey", "region": region,
			"githubOidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/accounts.google.com"}, "githubOidcProviderArn"},
		{"a provider without a repository", map[string]any{"githubOidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}, "without githubRepository"},
		{"no region", map[string]any{"githubRepository": "latchkey/latchkey"}, "githubRepository needs a region"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readFrom(tc.ctx)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadSettings(%v) = %v; want an error naming %s", tc.ctx, err, tc.want)
			}
		})
	}
	if _, err := readFrom(map[string]any{"githubRepository": "my-org/my.repo_2", "githubEnvironment": "prod-eu", "region": region}); err != nil {
		t.Errorf("a valid repository and environment refused: %v", err)
	}
}
