package authz

import (
	"strings"
	"testing"
)

// policyResourceSplit is PolicyResource as it was first written, with
// strings.Split: the oracle FuzzPolicyResource holds the one-pass version
// to.
func policyResourceSplit(methodArn, resource string) string {
	parts := strings.SplitN(methodArn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(resource, "/") {
		return methodArn
	}
	route := strings.SplitN(parts[5], "/", 4) // api id, stage, method, path
	if len(route) < 3 {
		return methodArn
	}
	segs := strings.Split(resource[1:], "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "*"
		}
	}
	return strings.Join(parts[:5], ":") + ":" + strings.Join(route[:3], "/") + "/" + strings.Join(segs, "/")
}

// FuzzPolicyResource: the one-pass PolicyResource names what the
// strings.Split version names, for any ARN and template.
func FuzzPolicyResource(f *testing.F) {
	const head = "arn:aws:execute-api:eu-west-1:123456789012:abc123/api/"
	for _, c := range [][2]string{
		{head + "GET/api/posts/x", "/api/posts/{id}"}, {head + "PATCH/api/a/b", "/api/{proxy+}"},
		{head + "GET", "/api/me"}, {"arn:aws:execute-api:r:a:api/stage", "/x"}, {"a:b:c:d:e:f/g/h/i:j", "/{}/{/}/"},
		{"nonsense", "/api/me"}, {head + "GET/api/me", ""}, {"::::::://", "/"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, arn, resource string) {
		if got, want := PolicyResource(arn, resource), policyResourceSplit(arn, resource); got != want {
			t.Fatalf("PolicyResource(%q, %q) = %q; want %q", arn, resource, got, want)
		}
	})
}
