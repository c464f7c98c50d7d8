package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/store"
)

// The DynamoDB actions each access may use — the spec the grants are held
// to (the store's calls: GetItem and Query to read; PutItem, UpdateItem,
// DeleteItem and BatchWriteItem to write; PutItem alone to add to the
// security log).
var (
	specRead      = []string{"dynamodb:GetItem", "dynamodb:Query"}
	specReadWrite = []string{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}
	specWrite     = []string{"dynamodb:PutItem"}
)

// expectedGrants derives, from the route table alone, what each function's
// role must allow: resource → sorted actions. Resources are named
// "table:<name>", "index:<table>/<index>", "logs", "secret:<kind>" and "*".
func expectedGrants(tracing, signIn bool) map[string]map[string][]string {
	tables := map[string]map[store.TableName]routes.Access{}
	add := func(fn string, uses []routes.TableUse) {
		if tables[fn] == nil {
			tables[fn] = map[store.TableName]routes.Access{}
		}
		for _, u := range uses {
			if cur, ok := tables[fn][u.Table]; ok && cur != u.Access {
				tables[fn][u.Table] = routes.ReadWrite
			} else {
				tables[fn][u.Table] = u.Access
			}
		}
	}
	signsIn := map[string]bool{}
	for _, r := range routes.Table {
		add(r.Function, r.Tables)
		if r.SignIn {
			signsIn[r.Function] = true
		}
	}
	add(routes.AuthorizerFunction, routes.AuthorizerTables)

	out := map[string]map[string][]string{}
	for fn, uses := range tables {
		g := map[string][]string{
			"logs":          {"logs:CreateLogStream", "logs:PutLogEvents"},
			"secret:origin": {"secretsmanager:GetSecretValue"},
		}
		for t, a := range uses {
			g["table:"+string(t)] = specRead
			if a == routes.ReadWrite {
				g["table:"+string(t)] = specReadWrite
			}
			if a == routes.Update {
				g["table:"+string(t)] = []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}
				continue // by key only: no index
			}
			if a == routes.Write {
				g["table:"+string(t)] = specWrite
				continue // adds items, reads nothing: no index
			}
			def, _ := store.TableByName(t)
			for _, ix := range def.Indexes {
				g["index:"+string(t)+"/"+ix.Name] = []string{"dynamodb:Query"}
			}
		}
		if signsIn[fn] {
			g["secret:login"] = []string{"secretsmanager:GetSecretValue"}
			if signIn {
				g["secret:client"] = []string{"secretsmanager:GetSecretValue"}
			}
		}
		if tracing {
			g["*"] = []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}
		}
		out[fn] = g
	}
	return out
}

// actualGrants reads a function role's whole policy from the template, in
// the same naming.
func actualGrants(t *testing.T, d *deployment, fn string) map[string][]string {
	t.Helper()
	f := resource(t, d.tmpl, logicalName(fn)+"Function")
	roleID := refTo(props(f)["Role"])
	role := resource(t, d.tmpl, roleID)
	if props(role)["ManagedPolicyArns"] != nil {
		t.Errorf("%s role has managed policies: %s", fn, jsonString(props(role)["ManagedPolicyArns"]))
	}
	for id, p := range resources(d.tmpl, "AWS::IAM::Policy") {
		if mentions(props(p)["Roles"], roleID) {
			t.Errorf("%s role has another policy attached: %s", fn, id)
		}
	}
	tableNames := map[string]string{}
	for id, tb := range resources(d.tmpl, "AWS::DynamoDB::Table") {
		tableNames[id] = strings.TrimPrefix(props(tb)["TableName"].(string), d.l.Settings.TablePrefix)
	}
	secretKinds := map[string]string{}
	for id := range resources(d.tmpl, "AWS::SecretsManager::Secret") {
		switch {
		case strings.HasPrefix(id, "SecretsOrigin"):
			secretKinds[id] = "origin"
		case strings.HasPrefix(id, "SecretsLoginKey"):
			secretKinds[id] = "login"
		case strings.HasPrefix(id, "SecretsClientSecret"):
			secretKinds[id] = "client"
		}
	}
	logsID := refTo(get(props(f), "LoggingConfig", "LogGroup"))

	name := func(r any) string {
		if s, ok := r.(string); ok {
			return s
		}
		if id := refTo(r); id != "" {
			switch {
			case tableNames[id] != "":
				return "table:" + tableNames[id]
			case secretKinds[id] != "":
				return "secret:" + secretKinds[id]
			case id == logsID:
				return "logs"
			}
			return "other:" + id
		}
		// An index: {"Fn::Join": ["", [{"Fn::GetAtt": [table, "Arn"]}, "/index/name"]]}.
		if parts, ok := get(r, "Fn::Join", 1).([]any); ok && len(parts) == 2 {
			if id := refTo(parts[0]); tableNames[id] != "" {
				if ix, ok := strings.CutPrefix(fmt.Sprint(parts[1]), "/index/"); ok {
					return "index:" + tableNames[id] + "/" + ix
				}
			}
		}
		return "other:" + jsonString(r)
	}

	got := map[string][]string{}
	policies, _ := props(role)["Policies"].([]any)
	if len(policies) != 1 {
		t.Fatalf("%s role has %d inline policies; want 1", fn, len(policies))
	}
	for _, st := range get(policies[0], "PolicyDocument", "Statement").([]any) {
		// The one condition allowed narrows the authorizer's last-use
		// writes (TestAuthorizerUpdatesOnlyLastUse checks it).
		narrowed := fn == routes.AuthorizerFunction && get(st, "Action") == "dynamodb:UpdateItem"
		if get(st, "Effect") != "Allow" || (get(st, "Condition") != nil && !narrowed) || get(st, "NotAction") != nil || get(st, "NotResource") != nil {
			t.Errorf("%s: statement %s is not a plain Allow", fn, jsonString(st))
		}
		var actions []string
		for _, a := range asList(get(st, "Action")) {
			actions = append(actions, fmt.Sprint(a))
		}
		for _, r := range asList(get(st, "Resource")) {
			n := name(r)
			got[n] = append(got[n], actions...)
		}
	}
	for k := range got {
		slices.Sort(got[k])
		got[k] = slices.Compact(got[k])
	}
	return got
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// TestFunctionPoliciesAreTheRouteTables: every function's role allows
// exactly what the route table grants it — its own log group; on each of
// its tables the actions of its access and Query on the table's indexes;
// the secrets its kind reads; X-Ray when tracing is on — and nothing else:
// no other table, no wildcard action, no managed policy, no policy but its
// own.
func TestFunctionPoliciesAreTheRouteTables(t *testing.T) {
	for _, tc := range deployments {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d(t)
			want := expectedGrants(tc.tracing, tc.signIn)
			n := 0
			for _, f := range resources(d.tmpl, "AWS::Lambda::Function") {
				if props(f)["Runtime"] == "provided.al2023" { // not the CDK's own helper functions
					n++
				}
			}
			if n != len(want) {
				t.Errorf("%d Latchkey functions; want %d (the route table's functions and the authorizer)", n, len(want))
			}
			for _, fn := range slices.Sorted(maps.Keys(want)) {
				t.Run(fn, func(t *testing.T) {
					got := actualGrants(t, d, fn)
					for _, acts := range got {
						for _, a := range acts {
							if strings.Contains(a, "*") {
								t.Errorf("wildcard action %v", a)
							}
						}
					}
					if !maps.EqualFunc(got, sortedCopy(want[fn]), func(a, b []string) bool { return slices.Equal(a, b) }) {
						t.Errorf("grants =\n%s\nwant (from the route table)\n%s", jsonString(got), jsonString(want[fn]))
					}
				})
			}
		})
	}
}

func sortedCopy(m map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		out[k] = slices.Clone(v)
		slices.Sort(out[k])
	}
	return out
}

// TestAReaderCannotWrite spells out the example of the issue on the
// deployed policies: the public post reader may only read posts, and may
// not touch the keys at all.
func TestAReaderCannotWrite(t *testing.T) {
	got := actualGrants(t, plain(t), "public-posts-list")
	if !slices.Equal(got["table:posts"], specRead) {
		t.Errorf("public-posts-list on posts: %v; want only %v", got["table:posts"], specRead)
	}
	if acts, ok := got["table:apikeys"]; ok {
		t.Errorf("public-posts-list may %v on the keys table; want nothing", acts)
	}
}

// TestPostCreateMayCountTheAuthorsPosts: the create counts the caller's
// posts before it writes (posts.MaxPostsPerUser), a Query of the posts
// table's byAuthor index, which no local run checks against IAM: the
// function must be allowed it, and still only what its route asks.
func TestPostCreateMayCountTheAuthorsPosts(t *testing.T) {
	got := actualGrants(t, plain(t), "posts-create")
	if ix := "index:" + string(store.PostsTable) + "/" + store.IndexByAuthor; !slices.Equal(got[ix], []string{"dynamodb:Query"}) {
		t.Errorf("posts-create on %s: %v; want [dynamodb:Query]", ix, got[ix])
	}
	if !slices.Equal(got["table:"+string(store.PostsTable)], specReadWrite) {
		t.Errorf("posts-create on the posts table: %v; want %v", got["table:"+string(store.PostsTable)], specReadWrite)
	}
}

// TestFunctionsFromTheTable checks the derivation itself on a table made
// for the test: widest access wins, a function serving two routes is one
// function, the authorizer comes last.
func TestFunctionsFromTheTable(t *testing.T) {
	table := []routes.Route{
		{Method: "GET", Path: "/api/things", Function: "things", Tables: []routes.TableUse{{Table: store.PostsTable, Access: routes.Read}}},
		{Method: "POST", Path: "/api/things", Function: "things", Tables: []routes.TableUse{{Table: store.PostsTable, Access: routes.ReadWrite}, {Table: store.UsersTable, Access: routes.Read}}},
		{Method: "GET", Path: "/api/auth/x", Function: "signin", SignIn: true},
		{Method: "POST", Path: "/api/auth/out", Function: "signout"},
	}
	fns := Functions(table)
	if len(fns) != 4 || fns[0].Name != "things" || fns[1].Name != "signin" || fns[2].Name != "signout" || fns[3].Name != routes.AuthorizerFunction {
		t.Fatalf("Functions() = %v; want things, signin, signout, authorizer", fns)
	}
	if fns[0].Tables[store.PostsTable] != routes.ReadWrite || fns[0].Tables[store.UsersTable] != routes.Read || len(fns[0].Routes) != 2 {
		t.Errorf("things = %+v; want posts read-write, users read, two routes", fns[0])
	}
	// Sign-in is what a route says, not where its path is: sign-out,
	// under /api/auth/ too, gets none of sign-in's secrets.
	if fns[0].Kind != KindAPI || fns[1].Kind != KindSignIn || fns[2].Kind != KindAPI || fns[3].Kind != KindAuthorizer {
		t.Errorf("kinds = %v %v %v %v; want api, sign-in, api, authorizer", fns[0].Kind, fns[1].Kind, fns[2].Kind, fns[3].Kind)
	}
	if !slices.Equal(Actions(routes.Read), specRead) || !slices.Equal(Actions(routes.ReadWrite), specReadWrite) {
		t.Errorf("Actions = %v / %v; want %v / %v", Actions(routes.Read), Actions(routes.ReadWrite), specRead, specReadWrite)
	}
	if !slices.Equal(Actions(routes.Write), specWrite) || QueriesIndexes(routes.Write) || QueriesIndexes(routes.Update) {
		t.Errorf("write grants %v and queries indexes %v; want %v alone, and no index (nor for update)", Actions(routes.Write), QueriesIndexes(routes.Write), specWrite)
	}
	bad := Functions([]routes.Route{{Method: "GET", Path: "/api/x", Function: "x", Tables: []routes.TableUse{{Table: "nope", Access: routes.Read}}}})
	if err := checkTables(bad); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("checkTables(unknown table) = %v; want an error naming it", err)
	}
}

// TestRolesHaveNoManagedPolicyOrWildcardAction looks at every role of the
// stack: Latchkey's own (the functions', API Gateway's logging role, the
// web deployment's) carry one inline policy without a wildcard action and
// no AWS managed policy. The exceptions are the CDK's own helpers, named
// here: the BucketDeployment's grants (added to the role Latchkey gives it)
// and, in throwaway stacks (retain=false), the bucket auto-delete provider.
func TestRolesHaveNoManagedPolicyOrWildcardAction(t *testing.T) {
	for name, d := range map[string]func(*testing.T) *deployment{"plain": plain, "full": full} {
		t.Run(name, func(t *testing.T) {
			d := d(t)
			for id, r := range resources(d.tmpl, "AWS::IAM::Role") {
				cdkHelper := strings.HasPrefix(id, "CustomS3AutoDeleteObjectsCustomResourceProvider")
				if props(r)["ManagedPolicyArns"] != nil && !(cdkHelper && !d.l.Settings.Retain) {
					t.Errorf("%s has managed policies %s", id, jsonString(props(r)["ManagedPolicyArns"]))
				}
				for _, p := range asList(props(r)["Policies"]) {
					for _, st := range asList(get(p, "PolicyDocument", "Statement")) {
						for _, a := range asList(get(st, "Action")) {
							if strings.Contains(fmt.Sprint(a), "*") {
								t.Errorf("%s allows the wildcard action %v", id, a)
							}
						}
					}
				}
			}
			for id := range resources(d.tmpl, "AWS::IAM::Policy") {
				if !strings.HasPrefix(id, "WebDeployRoleDefaultPolicy") {
					t.Errorf("%s: a policy outside the roles' own; only the CDK's BucketDeployment grants are expected", id)
				}
			}
		})
	}
}

// TestAuthorizerUpdatesOnlyLastUse: the authorizer's role may UpdateItem on
// the keys and sessions tables only under conditions that allow exactly
// the key and the last-use attributes, and no returned values; no
// statement grants it UpdateItem without them.
func TestAuthorizerUpdatesOnlyLastUse(t *testing.T) {
	d := plain(t)
	f := resource(t, d.tmpl, logicalName(routes.AuthorizerFunction)+"Function")
	role := resource(t, d.tmpl, refTo(props(f)["Role"]))
	want := map[string][]string{}
	for _, u := range routes.AuthorizerTables {
		if u.Access != routes.Update {
			continue
		}
		def, _ := store.TableByName(u.Table)
		want[logicalName(string(u.Table))+"TableUpdate"] = append([]string{def.PartitionKey}, u.Attributes...)
	}
	found := 0
	for _, pol := range asList(props(role)["Policies"]) {
		for _, st := range asList(get(pol, "PolicyDocument", "Statement")) {
			if a := get(st, "Action"); a != "dynamodb:UpdateItem" && !strings.Contains(jsonString(a), `"dynamodb:UpdateItem"`) {
				continue
			}
			sid, _ := get(st, "Sid").(string)
			attrs, ok := want[sid]
			if !ok {
				t.Errorf("statement %s grants UpdateItem; want only the last-use statements", sid)
				continue
			}
			found++
			if got := jsonString(get(st, "Condition", "ForAllValues:StringEquals", "dynamodb:Attributes")); got != jsonString(attrs) {
				t.Errorf("%s: dynamodb:Attributes %s; want %s", sid, got, jsonString(attrs))
			}
			if got := jsonString(get(st, "Condition", "StringEqualsIfExists", "dynamodb:ReturnValues")); got != `["NONE"]` {
				t.Errorf("%s: dynamodb:ReturnValues %s; want [\"NONE\"]", sid, got)
			}
		}
	}
	if found != len(want) {
		t.Fatalf("%d conditioned UpdateItem statements; want %d", found, len(want))
	}
}
