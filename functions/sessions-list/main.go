// Command sessions-list is the Lambda function of GET /api/sessions.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/sessionsapi"
)

func main() { app.Start(sessionsapi.List) }
