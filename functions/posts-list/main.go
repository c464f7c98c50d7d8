// Command posts-list is the Lambda function of GET /api/posts.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/posts"
)

func main() { app.Start(posts.Mine) }
