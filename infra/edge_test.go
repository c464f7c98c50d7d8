package main

import (
	"slices"
	"testing"
)

// stackOutputRefs returns every Fn::GetStackOutput in a template: the
// application stack's weak references into the edge stack.
func stackOutputRefs(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["Fn::GetStackOutput"].(map[string]any); ok {
			out = append(out, ref)
		}
		for _, e := range x {
			out = append(out, stackOutputRefs(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, stackOutputRefs(e)...)
		}
	}
	return out
}

// TestEdgeChangesHaveASafeOrder holds what docs/DEPLOY.md's "Changing the
// domain or the WAF" relies on. The application stack reads exactly two
// things from the edge stack, the certificate's and the web ACL's ARNs,
// through weak references that CloudFormation does not watch; the
// certificate is retained, so a new domain (or the edge stack's deletion)
// never deletes the one CloudFront still serves; and with the WAF turned
// off the application stack no longer names the web ACL, so deploying it
// first leaves the web ACL unused for the edge stack to delete.
func TestEdgeChangesHaveASafeOrder(t *testing.T) {
	d := full(t)
	if d.edge == nil {
		t.Fatal("no edge stack with a domain and the WAF")
	}
	var outputs []string
	for _, ref := range stackOutputRefs(d.tmpl) {
		if ref["Region"] != EdgeRegion || ref["StackName"] != *d.l.EdgeStack.StackName() {
			t.Errorf("a reference to %v in %v; want the edge stack in %s", ref["StackName"], ref["Region"], EdgeRegion)
		}
		outputs = append(outputs, ref["OutputName"].(string))
	}
	slices.Sort(outputs)
	outputs = slices.Compact(outputs)
	if len(outputs) != 2 {
		t.Fatalf("the application stack reads %v from the edge stack; want the certificate and the web ACL alone", outputs)
	}
	certs := resources(d.edge, "AWS::CertificateManager::Certificate")
	if len(certs) != 1 {
		t.Fatalf("%d certificates; want 1", len(certs))
	}
	var certID string
	for id, c := range certs {
		certID = id
		if c["DeletionPolicy"] != "Retain" || c["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("certificate: deletion %v, replace %v; want Retain for both", c["DeletionPolicy"], c["UpdateReplacePolicy"])
		}
	}

	// Step one of turning the WAF off: the application stack, synthesized
	// with waf=false, names no web ACL and reads only the certificate.
	off, err := synth(map[string]any{
		"domainName": fullDomain, "hostedZoneId": fullZoneID, "hostedZoneName": "example.com",
		"region": "eu-west-1", "account": "123456789012", "waf": false,
	})
	if err != nil {
		t.Fatal(err)
	}
	if dc := distributionConfig(t, off.tmpl); dc["WebACLId"] != nil {
		t.Errorf("with waf=false the distribution still names a web ACL: %s", jsonString(dc["WebACLId"]))
	}
	if refs := stackOutputRefs(off.tmpl); len(refs) != 1 {
		t.Errorf("with waf=false the application stack reads %d edge outputs; want the certificate's alone", len(refs))
	}
	// Step two: the edge stack drops the web ACL and keeps the same
	// certificate (same logical id: nothing replaced).
	if n := len(resources(off.edge, "AWS::WAFv2::WebACL")); n != 0 {
		t.Errorf("with waf=false the edge stack keeps %d web ACLs", n)
	}
	if _, ok := resources(off.edge, "AWS::CertificateManager::Certificate")[certID]; !ok {
		t.Errorf("turning the WAF off changed the certificate's logical id %s", certID)
	}
	// With neither a domain nor the WAF, the app has no edge stack at all
	// (so an existing one must be deleted by hand) and reads nothing from it.
	if none := plain(t); none.edge != nil || len(stackOutputRefs(none.tmpl)) != 0 {
		t.Errorf("with neither a domain nor the WAF: edge stack %v, %d edge references; want none", none.edge != nil, len(stackOutputRefs(none.tmpl)))
	}
}
