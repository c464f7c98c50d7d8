// Command posts-update is the Lambda function of PUT /api/posts/{id}.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/posts"
)

func main() { app.Start(posts.Update) }
