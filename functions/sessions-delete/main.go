// Command sessions-delete is the Lambda function of DELETE /api/sessions/{id}.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/sessionsapi"
)

func main() { app.Start(sessionsapi.Delete) }
