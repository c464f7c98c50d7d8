package main

import (
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/store"
)

// The DynamoDB actions each access grants: what the DynamoDB store calls,
// and nothing else (no Scan, no transactions, no table management).
var (
	readActions  = []string{"dynamodb:GetItem", "dynamodb:Query"}
	writeActions = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
	// indexActions are granted on a table's indexes: reading an index is
	// only ever a Query.
	indexActions = []string{"dynamodb:Query"}
)

// updateActions are what routes.Update grants: a read and an update by key.
var updateActions = []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}

// appendActions are what routes.Write grants: adding an item, and nothing
// else (the security log's writers).
var appendActions = []string{"dynamodb:PutItem"}

// Actions returns the DynamoDB actions an access grants on a table, sorted.
func Actions(a routes.Access) []string {
	switch a {
	case routes.Update:
		return slices.Clone(updateActions)
	case routes.Write:
		return slices.Clone(appendActions)
	}
	out := slices.Clone(readActions)
	if a == routes.ReadWrite {
		out = append(out, writeActions...)
	}
	slices.Sort(out)
	return out
}

// QueriesIndexes reports whether an access reads a table's indexes.
func QueriesIndexes(a routes.Access) bool { return a == routes.Read || a == routes.ReadWrite }

// Kind is what a function does, which sets its memory, timeout and secrets.
type Kind int

// The kinds.
const (
	// KindAPI serves API routes.
	KindAPI Kind = iota
	// KindSignIn serves a route whose table entry says SignIn (sign-in and
	// its callback; not the sign-outs): it talks to the identity provider
	// and seals the login cookie, so it alone reads the client secret and
	// the login key.
	KindSignIn
	// KindAuthorizer is the REQUEST authorizer.
	KindAuthorizer
)

// Function is one Lambda function as the route table describes it.
type Function struct {
	// Name is the route table's function name: its folder under functions/
	// (or authorizer/) and under the asset directory.
	Name string
	Kind Kind
	// Routes are the routes it serves (none for the authorizer).
	Routes []routes.Route
	// Tables are the tables it may touch and how: for each table, the
	// widest access any of its routes asks.
	Tables map[store.TableName]routes.Access
	// Writes are, for a table it only updates, the attributes it may write.
	Writes map[store.TableName][]string
}

// Functions derives every function from the route table, in table order,
// and the authorizer last.
func Functions(table []routes.Route) []Function {
	var out []Function
	index := map[string]int{}
	for _, r := range table {
		i, ok := index[r.Function]
		if !ok {
			i = len(out)
			index[r.Function] = i
			out = append(out, Function{Name: r.Function, Tables: map[store.TableName]routes.Access{}})
		}
		f := &out[i]
		f.Routes = append(f.Routes, r)
		if r.SignIn {
			f.Kind = KindSignIn
		}
		grant(f.Tables, r.Tables)
	}
	auth := Function{Name: routes.AuthorizerFunction, Kind: KindAuthorizer, Tables: map[store.TableName]routes.Access{},
		Writes: map[store.TableName][]string{}}
	grant(auth.Tables, routes.AuthorizerTables)
	for _, u := range routes.AuthorizerTables {
		if u.Access == routes.Update {
			auth.Writes[u.Table] = u.Attributes
		}
	}
	return append(out, auth)
}

func grant(into map[store.TableName]routes.Access, uses []routes.TableUse) {
	for _, u := range uses {
		switch cur, ok := into[u.Table]; {
		case !ok:
			into[u.Table] = u.Access
		case cur != u.Access:
			// Two different accesses to one table: the union of read,
			// update and write is read-write.
			into[u.Table] = routes.ReadWrite
		}
	}
}

// TableNames returns the function's tables in store.Tables order.
func (f Function) TableNames() []store.TableName {
	var out []store.TableName
	for _, t := range store.Tables {
		if _, ok := f.Tables[t.Name]; ok {
			out = append(out, t.Name)
		}
	}
	return out
}

// Summary describes the function for its description: its routes, or the
// authorizer's job.
func (f Function) Summary() string {
	if f.Kind == KindAuthorizer {
		return "Latchkey's REQUEST authorizer: API keys and browser sessions"
	}
	var parts []string
	for _, r := range f.Routes {
		parts = append(parts, r.Method+" "+r.Path)
	}
	return strings.Join(parts, ", ")
}
