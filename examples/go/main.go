// Command go calls GET /api/me with the API key in LATCHKEY_API_KEY and
// prints who the key belongs to; it exits 1 with the API's message on an
// answer that is not 2xx.
//
//	LATCHKEY_URL=http://localhost:8080 LATCHKEY_API_KEY=lk_test_… go run ./examples/go
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	base, key := os.Getenv("LATCHKEY_URL"), os.Getenv("LATCHKEY_API_KEY")
	if base == "" || key == "" {
		fmt.Fprintln(os.Stderr, "set LATCHKEY_URL and LATCHKEY_API_KEY")
		os.Exit(2)
	}
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(base, "/")+"/api/me", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e struct{ Message string }
		if json.Unmarshal(body, &e) != nil || e.Message == "" {
			e.Message = resp.Status
		}
		fmt.Fprintf(os.Stderr, "%d: %s\n", resp.StatusCode, e.Message)
		os.Exit(1)
	}
	var me struct {
		User struct{ Name, Email string }
		Auth struct {
			Method      string
			Permissions []string
		}
	}
	if err := json.Unmarshal(body, &me); err != nil {
		fmt.Fprintln(os.Stderr, "unexpected answer:", err)
		os.Exit(1)
	}
	fmt.Printf("%s <%s>, by %s with %s\n", me.User.Name, me.User.Email, me.Auth.Method, strings.Join(me.Auth.Permissions, ", "))
}
