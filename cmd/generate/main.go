// Command generate writes the Go files that follow from the route table
// (internal/codegen) into the repository, from its root:
//
//	go run ./cmd/generate     (make generate)
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/latchkey/latchkey/internal/codegen"
	"github.com/latchkey/latchkey/internal/routes"
)

func main() {
	files, err := codegen.Files(routes.Table)
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
	for name, b := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "generate:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "generate:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("%d files written\n", len(files))
}
