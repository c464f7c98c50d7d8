// Command authorizer is the Lambda REQUEST authorizer in front of every
// non-public route.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/authz"
)

func main() { app.StartAuthorizer(authz.Build) }
