package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/latchkey/latchkey/internal/routes"
)

// addNagChecks runs cdk-nag's AWS Solutions rules on the whole app: `cdk
// synth` fails on an error that no suppression explains, and a test gates
// on the same.
func addNagChecks(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// finding is one suppression: a rule, optionally only some of its
// findings (cdk-nag's appliesTo, as exact strings or /regexes/), and why.
type finding struct {
	rule      string
	appliesTo []string
	reason    string
}

// suppress attaches findings to one resource — never to a stack, never to a
// construct's children — so that a suppression cannot hide a finding on
// anything else.
func suppress(c constructs.IConstruct, fs ...finding) {
	var sup []*cdknag.NagPackSuppression
	for _, f := range fs {
		s := &cdknag.NagPackSuppression{Id: jsii.String(f.rule), Reason: jsii.String(f.reason)}
		if len(f.appliesTo) > 0 {
			var at []any
			for _, a := range f.appliesTo {
				if re, ok := strings.CutPrefix(a, "/"); ok {
					at = append(at, &cdknag.RegexAppliesTo{Regex: jsii.String("/" + re)})
				} else {
					at = append(at, a)
				}
			}
			s.AppliesTo = &at
		}
		sup = append(sup, s)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &sup, jsii.Bool(false))
}

// cfn is the CloudFormation resource of an L2 construct.
func cfn(c constructs.IConstruct) constructs.IConstruct { return c.Node().DefaultChild() }

// addNagSuppressions explains, resource by resource, the findings that are
// kept on purpose. Everything else cdk-nag asks for is done: access logs on
// the distribution, the site bucket and the API stage; execution logs; a
// web ACL on the stage (newAPIWebACL);
// TLS 1.2 to the origins; origin access control; point-in-time recovery;
// no AWS managed policy and no wildcard action in Latchkey's own roles.
func addNagSuppressions(l *Latchkey) {
	for _, r := range routes.Table {
		m := cfn(l.API.Methods[r.Method+" "+r.Path])
		route := r.Method + " " + r.Path
		if r.Need == routes.NeedPublic {
			suppress(m,
				finding{rule: "AwsSolutions-APIG4", reason: route + " is public in the route table (internal/routes: Need public): it serves public data, or is a step of " +
					"signing in or out that checks its own cookie"},
				finding{rule: "AwsSolutions-COG4", reason: route + " is public in the route table; it has no authorizer at all"},
			)
		} else {
			suppress(m, finding{rule: "AwsSolutions-COG4", reason: route + " is authorized by Latchkey's Lambda REQUEST authorizer " +
				"(API keys and OpenID Connect sessions, internal/authz); Latchkey does not use Cognito user pools"})
		}
	}
	if l.Settings.Tracing {
		for _, f := range l.Functions {
			suppress(cfn(f.Role), finding{rule: "AwsSolutions-IAM5", appliesTo: []string{"Resource::*"},
				reason: "only xray:PutTraceSegments and xray:PutTelemetryRecords (tracing is on), which support no resource-level permissions"})
		}
	}
	suppress(cfn(l.API.Rest), finding{rule: "AwsSolutions-APIG2", reason: "Request validation would need a second schema per route; " +
		"each function decodes its own body strictly (httpx.DecodeJSON: size limit, JSON content type, unknown fields and trailing data refused) " +
		"and checks path ids before any store read"})

	for _, sec := range []struct {
		c   constructs.IConstruct
		why string
	}{
		{cfn(l.Secrets.LoginKey), "the login key seals 10-minute sign-in cookies; it is rotated by hand (docs/SECURITY.md), which only restarts sign-ins in progress"},
		{cfn(l.Secrets.Origin), "the origin secret must change in step with CloudFront's origin header; the rotation is a documented procedure in three deploys (docs/SECURITY.md) during which every value CloudFront may send stays accepted"},
		{cfn(l.Secrets.Spare), "the spare value only fills the origin secret's next and previous slots when the stack creates it; nothing reads it afterwards, and the origin secret's rotation replaces those slots"},
	} {
		suppress(sec.c, finding{rule: "AwsSolutions-SMG4", reason: sec.why})
	}
	if l.Secrets.ClientSecret != nil {
		suppress(cfn(l.Secrets.ClientSecret), finding{rule: "AwsSolutions-SMG4",
			reason: "the client secret is issued by the identity provider; it is rotated there and then put here (docs/DEPLOY.md, step 4)"})
	}

	// Warnings, answered where they are raised.
	suppress(cfn(l.Web.Distribution), finding{rule: "AwsSolutions-CFR1", reason: "Latchkey serves whoever its identity provider " +
		"signs in; restricting countries is a deployment's own policy, not a default"})
	if !l.Settings.WAF {
		suppress(cfn(l.Web.Distribution), finding{rule: "AwsSolutions-CFR2", reason: "The web ACL is one setting away (waf=true); it is " +
			"off by default because it costs money and the API has stage throttling and its own checks"})
	}
	if l.Settings.DomainName == "" {
		suppress(cfn(l.Web.Distribution), finding{rule: "AwsSolutions-CFR4", reason: "Without a domain the distribution serves CloudFront's own " +
			"*.cloudfront.net certificate, for which CloudFront fixes the minimum protocol at TLSv1; with domainName set it uses an ACM " +
			"certificate and TLSv1.2_2021 (a test holds that)"})
	}

	if l.Settings.APIGatewayAccountRole {
		suppress(cfn(l.API.AccountRole), finding{rule: "AwsSolutions-IAM5", appliesTo: []string{`/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):logs:.+:log-group:\*$/`},
			reason: "API Gateway's account-wide logging role serves every REST API of this account and region, so it writes to any of their " +
				"log groups; the actions are those of API Gateway's documented logging policy, without the managed policy"})
	}

	// The CDK's BucketDeployment: its grants on the two buckets and the
	// distribution, and its Python runtime, are the CDK's.
	suppress(l.Web.DeployRole.Node().FindChild(jsii.String("DefaultPolicy")).Node().DefaultChild(), finding{
		rule: "AwsSolutions-IAM5",
		appliesTo: []string{
			"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*", "Action::s3:DeleteObject*",
			`/^Resource::<WebSite[0-9A-F]+\.Arn>\/\*$/`, `/^Resource::arn:(aws[a-z-]*|<AWS::Partition>):s3:::cdk-[a-z0-9]+-assets-[^/]+\/\*$/`, "Resource::*",
		},
		reason: "The CDK's BucketDeployment grants its own role read on the CDK asset bucket and read-write on the site bucket (object-level " +
			"action families), and CloudFront invalidation, which it scopes to no distribution; the role is used by that function alone",
	})
	for _, child := range *l.Stack.Node().Children() {
		if strings.HasPrefix(*child.Node().Id(), "Custom::CDKBucketDeployment") {
			suppress(cfn(child), finding{rule: "AwsSolutions-L1", reason: "the CDK's BucketDeployment function runs on the Python runtime " +
				"the CDK version pins; it runs only during deployments"})
		}
	}
}
