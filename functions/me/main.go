// Command me is the Lambda function of GET /api/me.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/me"
)

func main() { app.Start(me.Build) }
