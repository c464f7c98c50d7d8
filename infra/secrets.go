package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Secrets are the deployment's secrets in Secrets Manager. Their values
// never appear in the template or in an environment variable: functions get
// the ARNs (LATCHKEY_*_ARN) and read the values at cold start
// (internal/secrets); CloudFront and the API's web ACL get the origin secret
// through CloudFormation dynamic references, resolved at deploy time.
type Secrets struct {
	// ClientSecret is the identity provider's client secret. The stack
	// creates it with a random placeholder; the operator puts the real one
	// in (docs/DEPLOY.md, "Steps", step 4). Nil when no identity provider is configured.
	ClientSecret awssecretsmanager.Secret
	// LoginKey seals the login cookie: 43 random letters and digits, which
	// decode as unpadded base64 to the 32 bytes AES-256-GCM needs.
	LoginKey awssecretsmanager.Secret
	// Origin holds {"current": …, "next": …, "previous": …}, all three
	// always present and non-empty: CloudFront sends current in
	// X-Latchkey-Origin; the functions and the API's web ACL accept all
	// three. Outside a rotation next and previous hold random values nobody
	// is given (at first the Spare value), so that the web ACL's dynamic
	// references always resolve and never match an empty header.
	Origin awssecretsmanager.Secret
	// Spare is a generated value (48 letters and digits) that fills the
	// origin secret's next and previous slots when the stack creates it.
	// CloudFormation generates one value per secret, and the web ACL needs
	// all three keys from the first deploy on. Nothing reads it afterwards.
	Spare awssecretsmanager.Secret
}

// originSecretKey is the JSON key of the value CloudFront sends;
// originSecretKeys are every accepted one (internal/secrets.Origin).
const originSecretKey = "current"

var originSecretKeys = []string{"current", "next", "previous"}

func newSecrets(scope constructs.Construct, s Settings) Secrets {
	c := constructs.NewConstruct(scope, jsii.String("Secrets"))
	var out Secrets
	if s.SignInConfigured() {
		out.ClientSecret = awssecretsmanager.NewSecret(c, jsii.String("ClientSecret"), &awssecretsmanager.SecretProps{
			Description: jsii.String(s.StackName + ": the identity provider's client secret. The stack creates a random placeholder; " +
				"put the real secret in with `aws secretsmanager put-secret-value` (docs/DEPLOY.md, step 4)."),
		})
	}
	out.LoginKey = awssecretsmanager.NewSecret(c, jsii.String("LoginKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String(s.StackName + ": the key that seals the sign-in cookie (LATCHKEY_LOGIN_KEY), generated."),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:          jsii.Number(43),
			ExcludePunctuation:      jsii.Bool(true),
			IncludeSpace:            jsii.Bool(false),
			RequireEachIncludedType: jsii.Bool(false),
		},
	})
	out.Spare = awssecretsmanager.NewSecret(c, jsii.String("Spare"), &awssecretsmanager.SecretProps{
		Description: jsii.String(s.StackName + `: a generated value that fills the origin secret's "next" and "previous" when the stack creates it; nothing reads it afterwards.`),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:          jsii.Number(48),
			ExcludePunctuation:      jsii.Bool(true),
			IncludeSpace:            jsii.Bool(false),
			RequireEachIncludedType: jsii.Bool(false),
		},
	})
	// Letters and digits only, so the spare value can sit in a JSON string
	// as it is. The template holds a dynamic reference, never the value;
	// CloudFormation generates "current" once, when it creates the secret.
	spare := *out.Spare.SecretValue().UnsafeUnwrap()
	out.Origin = awssecretsmanager.NewSecret(c, jsii.String("Origin"), &awssecretsmanager.SecretProps{
		Description: jsii.String(s.StackName + `: the value CloudFront sends in X-Latchkey-Origin ("current", generated); "next" and "previous" are also accepted, ` +
			`and must always be present: random values nobody sends outside a rotation (docs/SECURITY.md).`),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate:    jsii.String(`{"next":"` + spare + `","previous":"` + spare + `"}`),
			GenerateStringKey:       jsii.String(originSecretKey),
			PasswordLength:          jsii.Number(48),
			ExcludePunctuation:      jsii.Bool(true),
			IncludeSpace:            jsii.Bool(false),
			RequireEachIncludedType: jsii.Bool(false),
		},
	})
	return out
}

// forFunction returns the secrets a function of this kind reads: every
// function and the authorizer check the origin header; only the sign-in
// functions read the client secret and the login key.
func (sec Secrets) forFunction(k Kind, s Settings) map[string]awssecretsmanager.Secret {
	out := map[string]awssecretsmanager.Secret{"LATCHKEY_ORIGIN_SECRET_ARN": sec.Origin}
	if k == KindSignIn {
		out["LATCHKEY_LOGIN_KEY_ARN"] = sec.LoginKey
		if sec.ClientSecret != nil {
			v := "LATCHKEY_OIDC_CLIENT_SECRET_ARN"
			if s.GitHubClientID != "" {
				v = "LATCHKEY_GITHUB_CLIENT_SECRET_ARN"
			}
			out[v] = sec.ClientSecret
		}
	}
	return out
}
