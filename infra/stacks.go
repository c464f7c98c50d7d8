package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/store"
)

// Latchkey is a whole deployment: the optional us-east-1 edge stack, the
// application stack and the optional GitHub deploy role's stack, with
// handles on what the tests look at.
type Latchkey struct {
	Settings  Settings
	EdgeStack awscdk.Stack // nil without a domain or the WAF
	Stack     awscdk.Stack
	Tables    map[store.TableName]awsdynamodb.Table
	Secrets   Secrets
	Functions map[string]*Deployed
	API       API
	APIWebACL APIWebACL
	Web       Web
	// Monitoring is the application stack's alarms, dashboard and saved
	// queries; EdgeAlarms the CloudFront web ACL's alarm (nil without the
	// WAF), in the edge stack.
	Monitoring Monitoring
	EdgeAlarms *AlarmTopic
	// GitHubDeploy is nil without githubRepository.
	GitHubDeploy *GitHubDeploy
}

// NewLatchkey adds Latchkey's stacks to app, derived from the route table
// and the table layout. It checks everything it can before making a
// construct — the settings as the functions will read them, the built
// bootstraps, the tables the routes name — and reports every problem at
// once.
func NewLatchkey(app awscdk.App, s Settings, table []routes.Route) (*Latchkey, error) {
	fns := Functions(table)
	var errs []error
	errs = append(errs, checkBootstraps(s, fns), checkTables(fns), checkFunctionConfig(s))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	l := &Latchkey{Settings: s}
	var edge Edge
	if s.NeedsEdgeStack() {
		l.EdgeStack, edge = newEdgeStack(app, s)
	}
	l.Stack = awscdk.NewStack(app, jsii.String(s.StackName), &awscdk.StackProps{
		Description: jsii.String("Latchkey: CloudFront, the REST API and its authorizer, one function per route, the tables and the secrets"),
		Env:         environment(s),
		// The certificate and the web ACL live in us-east-1.
		CrossRegionReferences: jsii.Bool(s.NeedsEdgeStack()),
	})
	l.Tables = newTables(l.Stack, s)
	l.Secrets = newSecrets(l.Stack, s)
	l.API = newRestAPI(l.Stack, s)
	l.APIWebACL = newAPIWebACL(l.Stack, s, l.API, l.Secrets)
	l.Web = newWeb(l.Stack, s, l.API, l.Secrets, edge)

	publicURL := "https://" + s.DomainName
	if s.DomainName == "" {
		publicURL = "https://" + *l.Web.Distribution.DistributionDomainName()
	}
	l.Functions = newFunctions(l.Stack, s, fns, functionEnvironment(s, publicURL), l.Tables, l.Secrets)
	l.API.addRoutes(table, l.Functions, s)
	if err := l.API.addGatewayResponses(); err != nil {
		return nil, err
	}
	if !s.SignInConfigured() {
		awscdk.Annotations_Of(l.Stack).AddWarningV2(jsii.String(noIdentityProviderWarning), jsii.String(
			"no identity provider is configured (oidcIssuer or githubClientId): API keys work, but signing in answers 500 until one is"), nil)
	}
	l.Monitoring = newMonitoring(l.Stack, l, fns)
	l.EdgeAlarms = edge.Alarms
	addOutputs(l)
	addNagSuppressions(l)
	if s.GitHubRepository != "" {
		g := newGitHubDeployStack(app, s)
		l.GitHubDeploy = &g
	}
	return l, nil
}

// noIdentityProviderWarning is the id of the warning a deployment without an
// identity provider gets.
const noIdentityProviderWarning = "latchkey:no-identity-provider"

// environment is where the application stack goes: the settings' account
// and region, or nothing (environment-agnostic) when neither is known.
func environment(s Settings) *awscdk.Environment {
	if s.Account == "" && s.Region == "" {
		return nil
	}
	return &awscdk.Environment{Account: optional(s.Account), Region: optional(s.Region)}
}

// checkFunctionConfig runs the functions' own configuration check
// (config.Load, as at cold start) on the environment the stack gives them,
// so that a setting a function would refuse fails the synth instead of the
// first request. Values only known at deploy time get stand-ins of the
// right shape.
func checkFunctionConfig(s Settings) error {
	publicURL := "https://" + s.DomainName
	if s.DomainName == "" {
		publicURL = "https://d111111abcdef8.cloudfront.net"
	}
	env := functionEnvironment(s, publicURL)
	const arn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:stand-in-AbCdEf"
	for _, v := range []string{"LATCHKEY_ORIGIN_SECRET_ARN", "LATCHKEY_LOGIN_KEY_ARN", "LATCHKEY_OIDC_CLIENT_SECRET_ARN"} {
		env[v] = jsii.String(arn)
	}
	_, err := config.Load(func(k string) string {
		if v, ok := env[k]; ok {
			return *v
		}
		return ""
	})
	if err != nil {
		// config.Load names the variables; say which settings they come from.
		msg := err.Error()
		for _, r := range []struct{ from, to string }{
			{"LATCHKEY_OIDC_ISSUER", "oidcIssuer"}, {"LATCHKEY_OIDC_CLIENT_ID", "oidcClientId"},
			{"LATCHKEY_GITHUB_CLIENT_ID", "githubClientId"}, {"LATCHKEY_ENV", "env"}, {"LATCHKEY_DEPLOYMENT", "stackName"},
			{"LATCHKEY_ALLOWED_ORIGINS", "allowedOrigins"}, {"LATCHKEY_CACHE_TTL", "cacheTtl"},
			{"LATCHKEY_SESSION_TTL", "sessionTtl"}, {"LATCHKEY_SESSION_IDLE", "sessionIdle"},
			{"LATCHKEY_SECURITY_LOG_DAYS", "securityLogDays"},
			{"LATCHKEY_TABLE_PREFIX", "tablePrefix"}, {"LATCHKEY_PUBLIC_URL", "domainName"},
			{"LATCHKEY_SECRET_SCANNING_KEYS", "secretScanningKeys"}, {"LATCHKEY_SECRET_SCANNING_FETCH_URL", "secretScanningFetchUrl"},
		} {
			msg = strings.ReplaceAll(msg, r.from, r.to)
		}
		return fmt.Errorf("settings the functions would refuse: %s", msg)
	}
	return nil
}
