package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/routes"
)

// StageName is the API stage CloudFront sends /api/* to.
const StageName = "prod"

// API is the REST API and what the route table put in it.
type API struct {
	Rest       awsapigateway.RestApi
	AccessLogs awslogs.LogGroup
	Authorizer awsapigateway.RequestAuthorizer
	// Methods are keyed "METHOD /path", as routes.Table lists them.
	Methods map[string]awsapigateway.Method
	// AccountRole is API Gateway's account-wide logging role (nil when the
	// settings leave it to the account).
	AccountRole awsiam.Role
}

// accessLogFields is the JSON access-log line: who, what, how it ended and
// how long each step took. No header, query string or body is logged —
// they may hold credentials — and the caller is named by the authorizer's
// user and key ids only. sourceIp is CloudFront's; the viewer's address is
// in CloudFront's own logs. apiId is the gateway-error metric's dimension
// (monitoring.go), which keeps two stacks' metrics apart.
var accessLogFields = map[string]string{
	"apiId":              "$context.apiId",
	"requestId":          "$context.requestId",
	"requestTime":        "$context.requestTime",
	"sourceIp":           "$context.identity.sourceIp",
	"userAgent":          "$context.identity.userAgent",
	"httpMethod":         "$context.httpMethod",
	"resourcePath":       "$context.resourcePath",
	"protocol":           "$context.protocol",
	"status":             "$context.status",
	"responseLength":     "$context.responseLength",
	"responseLatency":    "$context.responseLatency",
	"integrationLatency": "$context.integrationLatency",
	"authorizerStatus":   "$context.authorizer.status",
	"authorizerLatency":  "$context.authorizer.latency",
	"authorizerError":    "$context.authorizer.error",
	"userId":             "$context.authorizer.userId",
	"keyId":              "$context.authorizer.keyId",
	"errorType":          "$context.error.responseType",
	"errorMessage":       "$context.error.message",
	"xrayTraceId":        "$context.xrayTraceId",
}

// newRestAPI creates the regional REST API and its stage: throttling from
// the settings, JSON access logs, error-level execution logs (never request
// data, which would include headers) and metrics. Routes are added by
// addRoutes once the functions exist.
func newRestAPI(scope constructs.Construct, s Settings) API {
	c := constructs.NewConstruct(scope, jsii.String("Api"))
	accessLogs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     retention(s),
		RemovalPolicy: removalPolicy(s),
	})
	format, _ := json.Marshal(accessLogFields)
	rest := awsapigateway.NewRestApi(c, jsii.String("Rest"), &awsapigateway.RestApiProps{
		RestApiName: jsii.String(s.StackName),
		Description: jsii.String(s.StackName + " API; reached only through CloudFront, which adds " + "X-Latchkey-Origin"),
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{
			Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		},
		// The account-wide logging role is made below, without the managed
		// policy the CDK's own would attach.
		CloudWatchRole: jsii.Bool(false),
		Deploy:         jsii.Bool(true),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(StageName),
			ThrottlingRateLimit:  jsii.Number(float64(s.ThrottleRate)),
			ThrottlingBurstLimit: jsii.Number(float64(s.ThrottleBurst)),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(string(format))),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
			DataTraceEnabled:     jsii.Bool(false),
			MetricsEnabled:       jsii.Bool(true),
			TracingEnabled:       jsii.Bool(s.Tracing),
		},
	})
	api := API{Rest: rest, AccessLogs: accessLogs, Methods: map[string]awsapigateway.Method{}}
	if s.APIGatewayAccountRole {
		// API Gateway writes every REST API's logs in this account and
		// region through one role set on the account; without it the stage
		// cannot log. The role serves every API here, so its resource is
		// every log group of the account in this region.
		api.AccountRole = awsiam.NewRole(c, jsii.String("AccountLogsRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
			Description: jsii.String("API Gateway's account-wide CloudWatch Logs role in this region (made by " + s.StackName + ")"),
			InlinePolicies: &map[string]awsiam.PolicyDocument{
				"logs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
					statement("Logs", []string{
						"logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
						"logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents",
					}, accountLogGroupsArn(c)),
				}}),
			},
		})
		account := awsapigateway.NewCfnAccount(c, jsii.String("Account"), &awsapigateway.CfnAccountProps{
			CloudWatchRoleArn: api.AccountRole.RoleArn(),
		})
		// The role and the setting are the account's, not this stack's:
		// deleting them with the stack would stop every REST API in this
		// region from logging. Both stay when the stack goes; only one stack
		// per account and region should set apiGatewayAccountRole.
		api.AccountRole.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
		account.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
		rest.DeploymentStage().Node().AddDependency(account)
	}
	return api
}

// accountLogGroupsArn is every log group of the stack's account and region.
func accountLogGroupsArn(scope constructs.Construct) string {
	return *awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String("*"),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// addRoutes adds the authorizer and one method per route of the table,
// each integrated (Lambda proxy) with its function: public routes without
// authorization, every other route behind the authorizer. Catch-all routes
// are ANY on a greedy {proxy+} resource, which API Gateway picks only when
// no more specific resource matches.
func (a *API) addRoutes(table []routes.Route, fns map[string]*Deployed, s Settings) {
	// A REQUEST authorizer with no identity sources and no result cache:
	// API Gateway's cache would need every identity source present, and a
	// request carries either a cookie or an Authorization header. The
	// authorizer keeps its own cache instead (docs/SECURITY.md). With the
	// cache off, the CDK accepts an empty list of identity sources.
	a.Authorizer = awsapigateway.NewRequestAuthorizer(a.Rest, jsii.String("Authorizer"), &awsapigateway.RequestAuthorizerProps{
		AuthorizerName:  jsii.String(s.StackName + "-authorizer"),
		Handler:         fns[routes.AuthorizerFunction].Lambda,
		IdentitySources: &[]*string{},
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0)),
	})
	// An empty identity source is rendered as ""; CloudFormation wants it
	// absent.
	a.Authorizer.Node().DefaultChild().(awsapigateway.CfnAuthorizer).AddPropertyDeletionOverride(jsii.String("IdentitySource"))

	for _, r := range table {
		res := a.Rest.Root().ResourceForPath(jsii.String(r.Path))
		opts := &awsapigateway.MethodOptions{}
		if r.Need == routes.NeedPublic {
			opts.AuthorizationType = awsapigateway.AuthorizationType_NONE
		} else {
			opts.Authorizer = a.Authorizer
		}
		integration := awsapigateway.NewLambdaIntegration(fns[r.Function].Lambda, &awsapigateway.LambdaIntegrationOptions{
			Proxy: jsii.Bool(true),
			// No test-invoke permission: nothing calls the function but the
			// deployed stage.
			AllowTestInvoke: jsii.Bool(false),
		})
		a.Methods[r.Method+" "+r.Path] = res.AddMethod(jsii.String(r.Method), integration, opts)
	}
}

// addGatewayResponses configures every answer API Gateway gives by itself
// (httpx.GatewayResponses) exactly as the local gateway renders it: status,
// the JSON error body of docs/API.md, the API headers (Cache-Control: no-store,
// nosniff, …) and the response's own (WWW-Authenticate, Retry-After).
func (a *API) addGatewayResponses() error {
	for _, g := range httpx.GatewayResponses {
		resp := g.Response()
		headers := map[string]*string{}
		for k, v := range resp.Headers {
			// Gateway response header values are static strings in single
			// quotes; a quote inside would end them.
			if strings.Contains(v, "'") {
				return fmt.Errorf("gateway response %s: header %s holds a single quote", g.Type, k)
			}
			headers[k] = jsii.String("'" + v + "'")
		}
		// The body is a template whose $context variables API Gateway
		// fills in: keep it static, but for ACCESS_DENIED's, which names
		// the code and message of the authorizer's Deny (httpx.DenialTemplate).
		body := resp.Body
		if strings.ContainsAny(body, "$#") {
			return fmt.Errorf("gateway response %s: body %s holds a template character ($ or #)", g.Type, resp.Body)
		}
		if g.FromAuthorizer {
			body = httpx.DenialTemplate
		}
		opts := &awsapigateway.GatewayResponseOptions{
			Type:            awsapigateway.ResponseType_Of(jsii.String(g.Type)),
			StatusCode:      jsii.String(strconv.Itoa(resp.StatusCode)),
			ResponseHeaders: &headers,
			Templates:       &map[string]*string{"application/json": jsii.String(body)},
		}
		if g.TypeStatus {
			opts.StatusCode = nil // each type keeps its own status
		}
		a.Rest.AddGatewayResponse(jsii.String(logicalName(strings.ToLower(g.Type))), opts)
	}
	return nil
}
