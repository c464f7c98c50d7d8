// Command infra is Latchkey's AWS CDK app: `cdk synth` and `cdk deploy` run
// it (cdk.json). Everything it creates is derived from the code the
// functions run — the route table (internal/routes), the table layout
// (internal/store), the gateway responses (internal/httpx) and the
// configuration (internal/config) — and configured through CDK context
// (Settings).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/routes"
)

func main() {
	app := awscdk.NewApp(nil)
	if _, err := build(app); err != nil {
		fmt.Fprintln(os.Stderr, "latchkey infra:", err)
		jsii.Close()
		os.Exit(1)
	}
	app.Synth(nil)
	jsii.Close()
}

// build reads the settings from app's context and adds Latchkey's stacks and
// cdk-nag's checks to it.
func build(app awscdk.App) (*Latchkey, error) {
	node := app.Node()
	var keys []string
	if all, ok := node.GetAllContext(nil).(map[string]any); ok {
		for k := range all {
			keys = append(keys, k)
		}
	}
	s, err := ReadSettings(func(k string) any { return node.TryGetContext(jsii.String(k)) }, keys)
	if err != nil {
		return nil, err
	}
	l, err := NewLatchkey(app, s, routes.Table)
	if err != nil {
		return nil, err
	}
	addNagChecks(app)
	return l, nil
}
