package devidp_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/gosrc"
)

// TestNotInLambdaBuilds checks that no Lambda function and not the
// authorizer links the development provider or its library: a deployment
// must have no way to sign anyone in without a real identity provider.
func TestNotInLambdaBuilds(t *testing.T) {
	for main, deps := range gosrc.LambdaDeps(t, "../..", "./functions/...", "./authorizer") {
		if len(deps) < 10 {
			t.Fatalf("go list listed %d packages for %s; want a Lambda build's dependencies", len(deps), main)
		}
		for _, p := range deps {
			if strings.Contains(p, "internal/devidp") || strings.Contains(p, "zitadel") {
				t.Errorf("the Lambda build %s links %s", main, p)
			}
		}
	}
}
