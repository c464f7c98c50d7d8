package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestNag: cdk-nag's AWS Solutions rules find no error that is not
// suppressed, on every stack of both deployments; and every suppression is
// on one resource (never a stack) with a written reason.
func TestNag(t *testing.T) {
	for name, d := range map[string]func(*testing.T) *deployment{"plain": plain, "full": full} {
		t.Run(name, func(t *testing.T) {
			d := d(t)
			stacks := map[string]awscdk.Stack{"app": d.l.Stack}
			templates := map[string]map[string]any{"app": d.tmpl}
			if d.l.EdgeStack != nil {
				stacks["edge"], templates["edge"] = d.l.EdgeStack, d.edge
			}
			if d.l.GitHubDeploy != nil {
				stacks["github"], templates["github"] = d.l.GitHubDeploy.Stack, d.github
			}
			for which, stack := range stacks {
				errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
				for _, e := range *errs {
					t.Errorf("%s stack: %s", which, jsonString(e))
				}
			}
			for which, tmpl := range templates {
				if md, ok := tmpl["Metadata"].(map[string]any); ok && md["cdk_nag"] != nil {
					t.Errorf("%s stack: a stack-wide cdk-nag suppression: %s", which, jsonString(md["cdk_nag"]))
				}
				for id, r := range tmpl["Resources"].(map[string]any) {
					for _, s := range asList(get(r, "Metadata", "cdk_nag", "rules_to_suppress")) {
						if s == nil {
							continue
						}
						reason, _ := get(s, "reason").(string)
						if len(strings.Fields(reason)) < 8 {
							t.Errorf("%s stack, %s: suppression of %v has no real reason: %q", which, id, get(s, "id"), reason)
						}
					}
				}
			}
		})
	}
}
