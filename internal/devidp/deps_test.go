package devidp_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNotInLambdaBuilds checks that no Lambda function and not the
// authorizer links the development provider or its library: a deployment
// must have no way to sign anyone in without a real identity provider.
func TestNotInLambdaBuilds(t *testing.T) {
	gobin, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
	if err != nil {
		t.Fatalf("the go command is needed to list the Lambda builds' packages: %v", err)
	}
	// The flags and platform of `make build`, which can change what is linked.
	cmd := exec.Command(gobin, "list", "-deps", "-tags", "lambda.norpc", "./functions/...", "./authorizer")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) < 10 {
		t.Fatalf("go list listed %d packages; want the Lambda builds' dependencies", len(pkgs))
	}
	for _, p := range pkgs {
		if strings.Contains(p, "internal/devidp") || strings.Contains(p, "zitadel") {
			t.Errorf("a Lambda build links %s", p)
		}
	}
}
