// Command keys-create is the Lambda function of POST /api/keys.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/keys"
)

func main() { app.Start(keys.Create) }
