// Command posts-get is the Lambda function of GET /api/posts/{id}.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/posts"
)

func main() { app.Start(posts.Get) }
