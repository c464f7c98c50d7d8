// Command posts-create is the Lambda function of POST /api/posts.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/posts"
)

func main() { app.Start(posts.Create) }
