package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
)

// APIWebACL is the regional web ACL on the API stage and its association.
type APIWebACL struct {
	ACL         awswafv2.CfnWebACL
	Association awswafv2.CfnWebACLAssociation
}

// The web ACLs' own metric names (after the stack name): the WebACL
// dimension of their AWS/WAFV2 metrics, which the alarms and the dashboard
// read (monitoring.go).
const (
	webACLMetric    = "WebAcl"    // CloudFront's (edge stack, waf on)
	apiWebACLMetric = "ApiWebAcl" // the API stage's (always)
)

// forbiddenBodyKey names the web ACL's 403 body.
const forbiddenBodyKey = "forbidden"

// newAPIWebACL puts a regional web ACL on the API stage that blocks every
// request but those carrying X-Latchkey-Origin with one of the origin
// secret's values (current, next or previous: the ones the functions
// accept). A request straight to the execute-api address is refused there,
// before API Gateway counts it against the stage's throttle, which all
// callers share; it gets the functions' 403 in the API's error shape.
//
// The values reach WAF as CloudFormation dynamic references, never in the
// template; the description carries secretsGeneration, so that a deploy with
// a new generation makes CloudFormation re-read them, as for CloudFront.
// One rule per value: the rules' metrics show which value CloudFront sends
// during a rotation. Sampled requests are off: an allowed request carries
// the origin secret and the viewer's cookies and Authorization header,
// which WAF would show to whoever may read its samples.
func newAPIWebACL(scope constructs.Construct, s Settings, api API, sec Secrets) APIWebACL {
	c := constructs.NewConstruct(scope, jsii.String("ApiWaf"))
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(s.StackName + name),
			SampledRequestsEnabled:   jsii.Bool(false),
		}
	}
	forbidden := httpx.ErrorResponse(frontdoor.ErrNotThroughFrontDoor)
	var rules []*awswafv2.CfnWebACL_RuleProperty
	for i, key := range originSecretKeys {
		name := "AllowOrigin" + strings.ToUpper(key[:1]) + key[1:]
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String(name),
			Priority: jsii.Number(float64(i)),
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				ByteMatchStatement: &awswafv2.CfnWebACL_ByteMatchStatementProperty{
					FieldToMatch: &awswafv2.CfnWebACL_FieldToMatchProperty{
						SingleHeader: map[string]any{"Name": strings.ToLower(frontdoor.Header)},
					},
					PositionalConstraint: jsii.String("EXACTLY"),
					// A dynamic reference, resolved at deploy time.
					SearchString:        sec.Origin.SecretValueFromJson(jsii.String(key)).UnsafeUnwrap(),
					TextTransformations: &[]*awswafv2.CfnWebACL_TextTransformationProperty{{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
				},
			},
			Action:           &awswafv2.CfnWebACL_RuleActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
			VisibilityConfig: visibility("Api" + name),
		})
	}
	acl := awswafv2.NewCfnWebACL(c, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope: jsii.String("REGIONAL"),
		Description: jsii.String(s.StackName + ": the API stage admits only requests through CloudFront, which sends " + frontdoor.Header +
			" - secrets generation " + aclDescriptionSafe(s.SecretsGeneration)),
		DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
			CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{
				ResponseCode:          jsii.Number(float64(forbidden.StatusCode)),
				CustomResponseBodyKey: jsii.String(forbiddenBodyKey),
			},
		}},
		CustomResponseBodies: &map[string]*awswafv2.CfnWebACL_CustomResponseBodyProperty{
			forbiddenBodyKey: {ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(forbidden.Body)},
		},
		VisibilityConfig: visibility(apiWebACLMetric),
		Rules:            &rules,
	})
	assoc := awswafv2.NewCfnWebACLAssociation(c, jsii.String("Association"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: api.Rest.DeploymentStage().StageArn(),
		WebAclArn:   acl.AttrArn(),
	})
	return APIWebACL{ACL: acl, Association: assoc}
}

// aclDescriptionSafe spells a secrets generation in the characters a web
// ACL's description allows: '_' becomes '=', which a generation never
// holds, so that two generations stay two descriptions.
func aclDescriptionSafe(generation string) string {
	return strings.ReplaceAll(generation, "_", "=")
}
