package policy

import (
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/internal/store"
)

// Explain writes, for a reviewer, the decision on one request and the text
// of every policy that made it.
func (e *Engine) Explain(w io.Writer, p Principal, a Action, post store.Post) Decision {
	d := e.Decide(p, a, post)
	who := "anonymous"
	if p.UserID != "" {
		who = "User " + p.UserID
		if len(p.Roles) > 0 {
			who += " (roles: " + strings.Join(p.Roles, ", ") + ")"
		}
	}
	verdict := "DENY"
	if d.Allowed {
		verdict = "ALLOW"
	}
	fmt.Fprintf(w, "%s: %s, action %s, on a %s post by %s\n", verdict, who, a, post.Status, post.AuthorID)
	switch {
	case d.Allowed:
		fmt.Fprintln(w, "Allowed by:")
	case len(d.Policies) > 0:
		fmt.Fprintln(w, "Denied by:")
	default:
		fmt.Fprintln(w, "Denied: no policy permits it (Cedar denies by default).")
	}
	for _, id := range d.Policies {
		fmt.Fprintf(w, "\n  %s\n", id)
		for _, line := range strings.Split(e.Source(id), "\n") {
			fmt.Fprintf(w, "    %s\n", line)
		}
	}
	for _, er := range d.Errors {
		fmt.Fprintf(w, "\nEvaluation error (the policy was skipped): %s\n", er)
	}
	return d
}
