// Command hello is the hello-world Lambda function `make bench-cold` starts
// beside Latchkey's bootstraps, built with the same flags: what any Go
// function pays to start (the process, the Go runtime, aws-lambda-go's
// loop) before it does anything of its own. It answers every event with
// the same API Gateway proxy answer.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

type answer struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (answer, error) {
		return answer{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"hello":"world"}`}, nil
	})
}
