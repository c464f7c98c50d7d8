// Command auth-callback is the Lambda function of GET /api/auth/callback.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/login"
)

func main() { app.Start(login.Callback) }
