// Command not-found is the Lambda function of the catch-all routes
// ANY /api/public/{proxy+} and ANY /api/{proxy+}: it answers 404.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/notfound"
)

func main() { app.Start(notfound.Build) }
