// Command auth-logout-all is the Lambda function of POST /api/auth/logout-all.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/signout"
)

func main() { app.Start(signout.LogoutAll) }
