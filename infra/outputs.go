package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// addOutputs names what an operator needs after a deploy: the address, and
// the secrets to fill in or rotate.
func addOutputs(l *Latchkey) {
	out := func(id, value, desc string) {
		awscdk.NewCfnOutput(l.Stack, jsii.String(id), &awscdk.CfnOutputProps{Value: jsii.String(value), Description: jsii.String(desc)})
	}
	url := "https://" + l.Settings.DomainName
	if l.Settings.DomainName == "" {
		url = "https://" + *l.Web.Distribution.DistributionDomainName()
	}
	out("Url", url, "Latchkey's address: the web app at /, the API at /api/")
	out("DistributionId", *l.Web.Distribution.DistributionId(), "the CloudFront distribution")
	out("ApiId", *l.API.Rest.RestApiId(), "the REST API (its execute-api address refuses requests that bypass CloudFront)")
	if l.Secrets.ClientSecret != nil {
		out("ClientSecretArn", *l.Secrets.ClientSecret.SecretArn(), "put the identity provider's client secret here: aws secretsmanager put-secret-value --secret-id <this> --secret-string …")
	}
	out("LoginKeySecretArn", *l.Secrets.LoginKey.SecretArn(), "the login-cookie sealing key (generated)")
	out("OriginSecretArn", *l.Secrets.Origin.SecretArn(), "the value CloudFront sends in X-Latchkey-Origin: {current, next, previous}, all three always present (generated; rotation in docs/SECURITY.md)")
	out("TablePrefix", l.Settings.TablePrefix, "the tables' name prefix")
}
