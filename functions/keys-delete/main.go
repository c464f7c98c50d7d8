// Command keys-delete is the Lambda function of DELETE /api/keys/{id}.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/keys"
)

func main() { app.Start(keys.Delete) }
