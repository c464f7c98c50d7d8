package main

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// githubOIDCHost is GitHub Actions' OpenID Connect issuer, without its
// scheme: the name of its IAM provider and the prefix of its claim keys in
// trust policies.
const githubOIDCHost = "token.actions.githubusercontent.com"

// githubOIDCAudience is the audience aws-actions/configure-aws-credentials
// asks GitHub for, and the one the role accepts.
const githubOIDCAudience = "sts.amazonaws.com"

// cdkBootstrapRoles are the roles of `cdk bootstrap` that `cdk deploy`,
// `cdk diff` and the asset publishing of Latchkey's stacks assume: the
// deploy role (CloudFormation, through its execution role), the file
// publishing role (the functions' zips and the web app, into the bootstrap
// bucket) and the lookup role (which `cdk diff` reads the deployed
// templates with). Not the image publishing role: Latchkey's stacks have no
// container image asset (TestGitHubDeployRoleIsLeastPrivilege holds that).
var cdkBootstrapRoles = []string{"deploy-role", "file-publishing-role", "lookup-role"}

// GitHubDeploy is the optional stack with the role that GitHub Actions
// deploys with.
type GitHubDeploy struct {
	Stack awscdk.Stack
	// ProviderArn is the account's IAM OIDC provider for GitHub Actions:
	// created by the stack, or the githubOidcProviderArn setting.
	ProviderArn *string
	Role        awsiam.Role
}

// newGitHubDeployStack adds <stackName>-GitHubDeploy: GitHub Actions' OIDC
// provider (unless the account's is given) and the role that the
// repository's deploy workflow assumes with it. The trust requires GitHub's
// token for sts.amazonaws.com from a job of exactly that repository and
// environment (StringEquals on aud and sub: no other repository, branch or
// environment); the role may only assume the CDK's bootstrap roles of this
// account in the deployment's regions, which is all `cdk deploy` needs —
// what a deploy can change is bounded by the bootstrap's execution policy
// (docs/DEPLOY.md).
func newGitHubDeployStack(app awscdk.App, s Settings) GitHubDeploy {
	stack := awscdk.NewStack(app, jsii.String(s.StackName+"-GitHubDeploy"), &awscdk.StackProps{
		Description: jsii.String(s.StackName + ": the role GitHub Actions deploys with (" + s.GitHubRepository + ", environment " + s.GitHubEnvironment + ")"),
		Env:         environment(s),
	})
	g := GitHubDeploy{Stack: stack, ProviderArn: optional(s.GitHubOIDCProviderARN)}
	if g.ProviderArn == nil {
		provider := awsiam.NewOidcProviderNative(stack, jsii.String("GitHubOidcProvider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String("https://" + githubOIDCHost),
			ClientIds: jsii.Strings(githubOIDCAudience),
			// An account has one provider per issuer, which other roles
			// (another deployment's, another project's) may trust: deleting
			// this stack must not take it away from them.
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		g.ProviderArn = provider.OidcProviderArn()
	}

	var arns []*string
	for _, region := range deployRegions(s) {
		for _, role := range cdkBootstrapRoles {
			arns = append(arns, jsii.String(fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-%s-%s-%s",
				*stack.Partition(), *stack.Account(), bootstrapQualifier(app), role, *stack.Account(), region)))
		}
	}
	g.Role = awsiam.NewRole(stack, jsii.String("DeployRole"), &awsiam.RoleProps{
		Description: jsii.String("GitHub Actions: " + s.GitHubRepository + ", environment " + s.GitHubEnvironment + ", deploys " + s.StackName + " through the CDK's bootstrap roles"),
		AssumedBy: awsiam.NewWebIdentityPrincipal(g.ProviderArn, &map[string]any{
			"StringEquals": map[string]any{
				githubOIDCHost + ":aud": githubOIDCAudience,
				githubOIDCHost + ":sub": "repo:" + s.GitHubRepository + ":environment:" + s.GitHubEnvironment,
			},
		}),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"AssumeCdkBootstrapRoles": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:       jsii.String("AssumeCdkBootstrapRoles"),
					Actions:   jsii.Strings("sts:AssumeRole"),
					Resources: &arns,
				})},
			}),
		},
	})
	awscdk.NewCfnOutput(stack, jsii.String("DeployRoleArn"), &awscdk.CfnOutputProps{
		Value:       g.Role.RoleArn(),
		Description: jsii.String("the GitHub variable AWS_DEPLOY_ROLE_ARN of environment " + s.GitHubEnvironment + " (docs/DEPLOY.md, Deploying from GitHub Actions)"),
	})
	return g
}

// deployRegions are the regions a deployment's stacks go to: its own, and
// us-east-1 when it has the edge stack.
func deployRegions(s Settings) []string {
	regions := []string{s.Region}
	if s.NeedsEdgeStack() && !slices.Contains(regions, EdgeRegion) {
		regions = append(regions, EdgeRegion)
	}
	return regions
}

// bootstrapQualifier is the qualifier in the bootstrap roles' names: the
// CDK's default, unless the app's context changes it as the CDK's
// synthesizer reads it.
func bootstrapQualifier(app awscdk.App) string {
	if q, ok := app.Node().TryGetContext(jsii.String("@aws-cdk/core:bootstrapQualifier")).(string); ok && q != "" {
		return q
	}
	return *awscdk.DefaultStackSynthesizer_DEFAULT_QUALIFIER()
}
