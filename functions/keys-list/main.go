// Command keys-list is the Lambda function of GET /api/keys.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/keys"
)

func main() { app.Start(keys.List) }
