package workflowcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const dir = "../../.github/workflows"

var (
	// commitRef is an action pinned to a full commit: owner/repo[/path]@sha.
	commitRef = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@[0-9a-f]{40}$`)
	// versionComment names the release a pinned commit is, for people and
	// for Dependabot: "# v7.0.1".
	versionComment = regexp.MustCompile(`^# v\d+(\.\d+){0,2}$`)
	// imageDigest is a docker:// action pinned to an image digest.
	imageDigest = regexp.MustCompile(`^docker://[^@]+@sha256:[0-9a-f]{64}$`)
)

// privilegedTriggers run a workflow with the base repository's token and
// secrets on behalf of code or refs that a fork controls.
var privilegedTriggers = []string{"pull_request_target", "workflow_run"}

// node returns the value of key in a mapping node, or nil.
func node(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// pairs returns a mapping node's keys and values, in order.
func pairs(m *yaml.Node) (keys []string, values []*yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		keys, values = append(keys, m.Content[i].Value), append(values, m.Content[i+1])
	}
	return keys, values
}

// triggers returns the events of a workflow's `on:` (a name, a list or a
// mapping).
func triggers(wf *yaml.Node) []string {
	on := node(wf, "on")
	switch {
	case on == nil:
		return nil
	case on.Kind == yaml.ScalarNode:
		return []string{on.Value}
	case on.Kind == yaml.SequenceNode:
		var out []string
		for _, n := range on.Content {
			out = append(out, n.Value)
		}
		return out
	}
	keys, _ := pairs(on)
	return keys
}

// checkPermissions returns what is wrong with one permissions block: it
// must be a mapping of scopes, each read or none; writeOK names the scopes
// that may be write here.
func checkPermissions(where string, p *yaml.Node, writeOK ...string) []string {
	if p.Kind != yaml.MappingNode {
		return []string{fmt.Sprintf("%s: permissions %q; want a mapping of scopes (read-all and write-all are too broad)", where, p.Value)}
	}
	var problems []string
	scopes, levels := pairs(p)
	for i, scope := range scopes {
		switch level := levels[i].Value; {
		case level == "read" || level == "none":
		case level == "write" && slices.Contains(writeOK, scope):
		default:
			problems = append(problems, fmt.Sprintf("%s: permissions %s: %s; want read or none", where, scope, level))
		}
	}
	return problems
}

// check returns every problem of one workflow: unpinned actions, missing
// or broad permissions, privileged triggers.
func check(name string, src []byte) []string {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) != 1 {
		return []string{fmt.Sprintf("%s: not one YAML document: %v", name, err)}
	}
	wf := doc.Content[0]
	var problems []string
	for _, t := range triggers(wf) {
		if slices.Contains(privilegedTriggers, t) {
			problems = append(problems, fmt.Sprintf("%s: on %s runs a fork's changes with the repository's token", name, t))
		}
	}
	if p := node(wf, "permissions"); p == nil {
		problems = append(problems, name+": no top-level permissions; want contents: read (the default token may write)")
	} else {
		problems = append(problems, checkPermissions(name, p)...)
	}
	uses := func(where string, n *yaml.Node) {
		switch ref := n.Value; {
		case strings.HasPrefix(ref, "./"):
		case strings.HasPrefix(ref, "docker://"):
			if !imageDigest.MatchString(ref) {
				problems = append(problems, fmt.Sprintf("%s: %s is not pinned to an image digest", where, ref))
			}
		case !commitRef.MatchString(ref):
			problems = append(problems, fmt.Sprintf("%s: %s is not pinned to a full commit SHA", where, ref))
		case !versionComment.MatchString(strings.TrimSpace(n.LineComment)):
			problems = append(problems, fmt.Sprintf("%s: %s has no version comment (# vX.Y.Z) beside its commit", where, ref))
		}
	}
	ids, jobs := pairs(node(wf, "jobs"))
	if len(ids) == 0 {
		problems = append(problems, name+": no jobs")
	}
	for i, id := range ids {
		job, where := jobs[i], name+": job "+id
		if p := node(job, "permissions"); p != nil {
			// The OIDC token only where an environment's reviewers and
			// branch rules gate the job, as the deploy role's trust expects.
			var writeOK []string
			if node(job, "environment") != nil {
				writeOK = append(writeOK, "id-token")
			}
			problems = append(problems, checkPermissions(where, p, writeOK...)...)
		}
		if u := node(job, "uses"); u != nil {
			uses(where, u)
		}
		if steps := node(job, "steps"); steps != nil {
			for j, step := range steps.Content {
				if u := node(step, "uses"); u != nil {
					uses(fmt.Sprintf("%s, step %d", where, j+1), u)
				}
			}
		}
	}
	return problems
}

func workflows(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows in %s: %v", dir, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// TestWorkflowsAreHardened: every workflow passes check.
func TestWorkflowsAreHardened(t *testing.T) {
	for name, src := range workflows(t) {
		for _, p := range check(name, src) {
			t.Error(p)
		}
	}
}

// TestCheckFindsWhatItLooksFor: check refuses each way a workflow can go
// wrong, so that TestWorkflowsAreHardened passing means something.
func TestCheckFindsWhatItLooksFor(t *testing.T) {
	const pinned = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"
	wf := func(top, job string) string {
		return "on: [push]\n" + top + "jobs:\n  build:\n    runs-on: ubuntu-latest\n" + job
	}
	good := wf("permissions:\n  contents: read\n", "    steps:\n      - uses: "+pinned+"\n")
	if p := check("good", []byte(good)); len(p) != 0 {
		t.Fatalf("a good workflow: %v", p)
	}
	tests := []struct{ name, src, want string }{
		{"a tag", strings.Replace(good, pinned, "actions/checkout@v7", 1), "not pinned to a full commit"},
		{"a branch", strings.Replace(good, pinned, "actions/checkout@main", 1), "not pinned to a full commit"},
		{"a short SHA", strings.Replace(good, pinned, "actions/checkout@3d3c42e # v7.0.1", 1), "not pinned to a full commit"},
		{"no version comment", strings.Replace(good, " # v7.0.1", "", 1), "no version comment"},
		{"an unpinned image", strings.Replace(good, pinned, "docker://alpine:3", 1), "image digest"},
		{"an unpinned reusable workflow", wf("permissions:\n  contents: read\n", "    uses: octo/flows/.github/workflows/ci.yml@main\n"), "not pinned to a full commit"},
		{"no permissions", strings.Replace(good, "permissions:\n  contents: read\n", "", 1), "no top-level permissions"},
		{"write-all", strings.Replace(good, "permissions:\n  contents: read\n", "permissions: write-all\n", 1), "too broad"},
		{"read-all", strings.Replace(good, "permissions:\n  contents: read\n", "permissions: read-all\n", 1), "too broad"},
		{"contents: write", strings.Replace(good, "contents: read", "contents: write", 1), "contents: write"},
		{"id-token at the top", strings.Replace(good, "contents: read", "contents: read\n  id-token: write", 1), "id-token: write"},
		{"id-token without an environment", wf("permissions:\n  contents: read\n", "    permissions:\n      id-token: write\n    steps:\n      - uses: "+pinned+"\n"), "id-token: write"},
		{"packages: write with an environment", wf("permissions:\n  contents: read\n", "    environment: production\n    permissions:\n      packages: write\n    steps:\n      - uses: "+pinned+"\n"), "packages: write"},
		{"pull_request_target", strings.Replace(good, "on: [push]", "on:\n  pull_request_target:\n", 1), "pull_request_target"},
		{"workflow_run", strings.Replace(good, "on: [push]", "on: workflow_run", 1), "workflow_run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems := check(tc.name, []byte(tc.src))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("check found %q; want a problem naming %q in\n%s", problems, tc.want, tc.src)
			}
		})
	}
	withEnv := wf("permissions:\n  contents: read\n", "    environment: production\n    permissions:\n      contents: read\n      id-token: write\n    steps:\n      - uses: "+pinned+"\n")
	if p := check("oidc", []byte(withEnv)); len(p) != 0 {
		t.Errorf("id-token: write in an environment's job: %v", p)
	}
}

// parse returns a workflow's top-level mapping.
func parse(t *testing.T, src []byte) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) != 1 {
		t.Fatalf("not one YAML document: %v", err)
	}
	return doc.Content[0]
}

// TestCIRunsOnEveryPushAndPullRequest: ci.yml runs .ci/run — the same
// entry point as every other CI — on pushes and pull requests, and can be
// called by the deploy workflow.
func TestCIRunsOnEveryPushAndPullRequest(t *testing.T) {
	ci := parse(t, workflows(t)["ci.yml"])
	for _, want := range []string{"push", "pull_request", "workflow_call"} {
		if !slices.Contains(triggers(ci), want) {
			t.Errorf("ci.yml does not run on %s", want)
		}
	}
	if on := node(ci, "on"); node(node(on, "push"), "branches") != nil || node(node(on, "pull_request"), "branches") != nil {
		t.Error("ci.yml limits the branches it runs on; want every push and pull request")
	}
	runs := 0
	_, jobs := pairs(node(ci, "jobs"))
	for _, job := range jobs {
		if node(job, "timeout-minutes") == nil {
			t.Errorf("a job of ci.yml has no timeout-minutes")
		}
		for _, step := range node(job, "steps").Content {
			if r := node(step, "run"); r != nil && regexp.MustCompile(`(^|\s)(bash )?\.ci/run\b`).MatchString(r.Value) {
				runs++
			}
		}
	}
	if runs != 1 {
		t.Errorf("ci.yml runs .ci/run %d times; want once", runs)
	}
	if node(ci, "concurrency") == nil {
		t.Error("ci.yml has no concurrency group: superseded runs go on")
	}
}

// TestDeployRunsTheCIFirst: every job of deploy.yml that may ask for an
// OIDC token runs in an environment and needs the job that calls ci.yml.
func TestDeployRunsTheCIFirst(t *testing.T) {
	deploy := parse(t, workflows(t)["deploy.yml"])
	if got := triggers(deploy); !slices.Equal(got, []string{"workflow_dispatch"}) {
		t.Errorf("deploy.yml runs on %v; want workflow_dispatch alone", got)
	}
	ids, jobs := pairs(node(deploy, "jobs"))
	ci := ""
	for i, job := range jobs {
		if u := node(job, "uses"); u != nil && u.Value == "./.github/workflows/ci.yml" {
			ci = ids[i]
		}
	}
	if ci == "" {
		t.Fatal("deploy.yml does not call ci.yml")
	}
	oidc := 0
	for i, job := range jobs {
		if node(node(job, "permissions"), "id-token") == nil {
			continue
		}
		oidc++
		if node(job, "environment") == nil {
			t.Errorf("job %s asks for an OIDC token outside an environment", ids[i])
		}
		needs := node(job, "needs")
		if needs == nil || needs.Value != ci && !slices.ContainsFunc(needs.Content, func(n *yaml.Node) bool { return n.Value == ci }) {
			t.Errorf("job %s does not need %s, the CI", ids[i], ci)
		}
	}
	if oidc == 0 {
		t.Error("no job of deploy.yml asks for an OIDC token")
	}
}
