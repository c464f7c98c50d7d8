// Command public-openapi is the Lambda function of GET /api/public/openapi.json.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/openapi"
)

func main() { app.Start(openapi.Build) }
