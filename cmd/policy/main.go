// Command policy explains a decision of Latchkey's post policies without
// running the API:
//
//	go run ./cmd/policy explain --principal editor --action delete --post published
//	go run ./cmd/policy explain --principal usr_123,editor --action update --post draft --author usr_456
//	go run ./cmd/policy explain --policies internal/policy/testdata/editors-may-delete --principal editor --action delete --post published
//
// --principal is anonymous, author, editor, reader (the seeded users) or a
// user id followed by its roles, comma-separated. It exits 0 whatever the
// decision; with --exit-code, a denial exits 3 (for scripts and CI).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "explain" {
		fmt.Fprintln(os.Stderr, "usage: policy explain --principal WHO --action ACTION --post draft|published [--author USER] [--policies DIR] [--exit-code]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("explain", flag.ExitOnError)
	who := fs.String("principal", "anonymous", "anonymous, author, editor, reader, or USERID[,ROLE...]")
	action := fs.String("action", "read", "read, create, update, delete or publish")
	status := fs.String("post", store.StatusPublished, "the post's status: draft or published")
	author := fs.String("author", seed.Author.ID, "the post's author (a user id, or author/editor/reader)")
	dir := fs.String("policies", "", "a folder of .cedar files to use instead of the built-in policies")
	exitCode := fs.Bool("exit-code", false, "exit 3 when the decision is deny")
	_ = fs.Parse(os.Args[2:])

	e, err := policy.New()
	if *dir != "" {
		e, err = policy.Load(os.DirFS(*dir))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "policy:", err)
		os.Exit(1)
	}
	if *status != store.StatusDraft && *status != store.StatusPublished {
		fmt.Fprintln(os.Stderr, "policy: --post must be draft or published")
		os.Exit(2)
	}
	a := policy.Action(*action)
	valid := false
	for _, x := range policy.Actions {
		valid = valid || x == a
	}
	if !valid {
		fmt.Fprintf(os.Stderr, "policy: unknown action %q\n", *action)
		os.Exit(2)
	}
	post := store.Post{ID: "post_example", AuthorID: principal(*author).UserID, Status: *status}
	if post.AuthorID == "" {
		post.AuthorID = *author
	}
	if d := e.Explain(os.Stdout, principal(*who), a, post); !d.Allowed && *exitCode {
		os.Exit(3)
	}
}

func principal(s string) policy.Principal {
	for _, u := range seed.Users {
		if strings.EqualFold(s, strings.Fields(u.Name)[1]) || s == u.Subject {
			return policy.Principal{UserID: u.ID, Roles: u.Roles}
		}
	}
	if s == "anonymous" || s == "" {
		return policy.Anonymous
	}
	parts := strings.Split(s, ",")
	return policy.Principal{UserID: parts[0], Roles: parts[1:]}
}
