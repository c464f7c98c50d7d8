// Command keys-regenerate is the Lambda function of POST /api/keys/{id}/regenerate.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/keys"
)

func main() { app.Start(keys.Regenerate) }
