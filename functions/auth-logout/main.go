// Command auth-logout is the Lambda function of POST /api/auth/logout.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/signout"
)

func main() { app.Start(signout.Logout) }
