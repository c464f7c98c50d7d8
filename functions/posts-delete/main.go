// Command posts-delete is the Lambda function of DELETE /api/posts/{id}.
package main

import (
	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/posts"
)

func main() { app.Start(posts.Delete) }
