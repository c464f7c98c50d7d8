package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/secrets"
)

// joined renders a string property as CloudFormation will build it — a
// literal, or an Fn::Join of literals and references — with each {"Ref":
// id} written "<id>"; ok is false for any other shape.
func joined(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	parts, ok := get(v, "Fn::Join", 1).([]any)
	if !ok || get(v, "Fn::Join", 0) != "" {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		if s, ok := p.(string); ok {
			b.WriteString(s)
		} else if id, ok := get(p, "Ref").(string); ok {
			b.WriteString("<" + id + ">")
		} else {
			return "", false
		}
	}
	return b.String(), true
}

// secretIDs returns the logical ids of the origin secret and the spare one.
func secretIDs(t *testing.T, d *deployment) (origin, spare string) {
	t.Helper()
	return byPath(t, d.tmpl, d.l.Settings.StackName+"/Secrets/Origin/Resource"), byPath(t, d.tmpl, d.l.Settings.StackName+"/Secrets/Spare/Resource")
}

// TestAPIWebACL: a regional web ACL on the API stage blocks by default with
// the functions' 403 in the API's error shape, and allows only a request
// whose X-Latchkey-Origin is exactly one of the origin secret's values
// (current, next, previous: one rule each), read through dynamic
// references. Its description carries the secrets generation, so that a
// new generation makes CloudFormation re-read them. No sampled requests:
// they would show the secret and the viewers' credentials.
func TestAPIWebACL(t *testing.T) {
	for name, d := range map[string]func(*testing.T) *deployment{"plain": plain, "full": full} {
		t.Run(name, func(t *testing.T) {
			d := d(t)
			originID, _ := secretIDs(t, d)
			acls := resources(d.tmpl, "AWS::WAFv2::WebACL")
			if len(acls) != 1 {
				t.Fatalf("%d web ACLs in the application stack; want the API's", len(acls))
			}
			var aclID string
			var p map[string]any
			for id, a := range acls {
				aclID, p = id, props(a)
			}
			if p["Scope"] != "REGIONAL" {
				t.Errorf("scope %v; want REGIONAL", p["Scope"])
			}
			if desc, _ := p["Description"].(string); !strings.HasSuffix(desc, "secrets generation "+aclDescriptionSafe(d.l.Settings.SecretsGeneration)) {
				t.Errorf("description %q; want it to end with the secrets generation", desc)
			}

			want := httpx.ErrorResponse(frontdoor.ErrNotThroughFrontDoor)
			block := get(p, "DefaultAction", "Block", "CustomResponse")
			if get(p, "DefaultAction", "Allow") != nil || get(block, "ResponseCode") != 403.0 || want.StatusCode != 403 {
				t.Errorf("default action %s; want block with 403", jsonString(p["DefaultAction"]))
			}
			body := get(p, "CustomResponseBodies", get(block, "CustomResponseBodyKey"))
			if get(body, "ContentType") != "APPLICATION_JSON" || get(body, "Content") != want.Body {
				t.Errorf("block body %s; want %s as application/json", jsonString(body), want.Body)
			}
			var shape map[string]string
			if err := json.Unmarshal([]byte(want.Body), &shape); err != nil || shape["error"] != httpx.CodeForbidden || shape["message"] == "" || len(shape) != 2 {
				t.Errorf("block body %s is not the API's error shape (%v)", want.Body, err)
			}

			rules := asList(p["Rules"])
			var keys []string
			for _, r := range rules {
				bm := get(r, "Statement", "ByteMatchStatement")
				if get(r, "Action", "Allow") == nil || get(r, "Action", "Block") != nil || get(r, "Action", "Count") != nil {
					t.Errorf("rule %v: action %s; want allow", get(r, "Name"), jsonString(get(r, "Action")))
				}
				if get(bm, "FieldToMatch", "SingleHeader", "Name") != strings.ToLower(frontdoor.Header) || get(bm, "PositionalConstraint") != "EXACTLY" ||
					jsonString(get(bm, "TextTransformations")) != `[{"Priority":0,"Type":"NONE"}]` {
					t.Errorf("rule %v: %s; want an exact match on %s, untransformed", get(r, "Name"), jsonString(bm), frontdoor.Header)
				}
				ss, ok := joined(get(bm, "SearchString"))
				key, found := strings.CutPrefix(ss, "{{resolve:secretsmanager:<"+originID+">:SecretString:")
				key, found2 := strings.CutSuffix(key, "::}}")
				if !ok || !found || !found2 {
					t.Errorf("rule %v: search string %s; want a dynamic reference to the origin secret", get(r, "Name"), jsonString(get(bm, "SearchString")))
				}
				keys = append(keys, key)
				if get(r, "VisibilityConfig", "SampledRequestsEnabled") != false {
					t.Errorf("rule %v samples requests", get(r, "Name"))
				}
			}
			if !slices.Equal(keys, []string{"current", "next", "previous"}) {
				t.Errorf("the rules match the origin secret's %v; want current, next, previous", keys)
			}
			if get(p, "VisibilityConfig", "SampledRequestsEnabled") != false {
				t.Error("the web ACL samples requests")
			}

			tmpl := assertions.Template_FromStack(d.l.Stack, nil)
			stageID := byPath(t, d.tmpl, d.l.Settings.StackName+"/Api/Rest/DeploymentStage.prod/Resource")
			assocs := resources(d.tmpl, "AWS::WAFv2::WebACLAssociation")
			if len(assocs) != 1 {
				t.Fatalf("%d web ACL associations; want 1", len(assocs))
			}
			for _, a := range assocs {
				arn, ok := joined(props(a)["ResourceArn"])
				if !ok || !strings.Contains(arn, ":apigateway:") ||
					!strings.HasSuffix(arn, "::/restapis/<"+byPath(t, d.tmpl, d.l.Settings.StackName+"/Api/Rest/Resource")+">/stages/<"+stageID+">") {
					t.Errorf("association on %s; want the API stage", jsonString(props(a)["ResourceArn"]))
				}
			}
			assertNoPanic(t, "association", func() {
				tmpl.HasResourceProperties(jsii.String("AWS::WAFv2::WebACLAssociation"), map[string]any{
					"WebACLArn": map[string]any{"Fn::GetAtt": []any{aclID, "Arn"}},
				})
			})
		})
	}
}

// TestOriginSecretShape: the origin secret always holds the three keys the
// functions accept (internal/secrets.Origin) and the web ACL reads —
// "current" generated, "next" and "previous" the spare generated value —
// so that no dynamic reference can miss its key; no secret value is in
// the template: no secret has a literal SecretString, and the origin
// secret's template holds only references to the spare secret.
func TestOriginSecretShape(t *testing.T) {
	var fields []string
	typ := reflect.TypeFor[secrets.Origin]()
	for i := range typ.NumField() {
		fields = append(fields, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
	}
	if !slices.Equal(fields, originSecretKeys) {
		t.Fatalf("internal/secrets.Origin has %v; the infrastructure fills and matches %v", fields, originSecretKeys)
	}
	for name, d := range map[string]func(*testing.T) *deployment{"plain": plain, "full": full} {
		t.Run(name, func(t *testing.T) {
			d := d(t)
			originID, spareID := secretIDs(t, d)
			for id, s := range resources(d.tmpl, "AWS::SecretsManager::Secret") {
				if props(s)["SecretString"] != nil {
					t.Errorf("secret %s has a value in the template", id)
				}
			}
			gen := get(props(resource(t, d.tmpl, originID)), "GenerateSecretString")
			tmpl, ok := joined(get(gen, "SecretStringTemplate"))
			spare := "{{resolve:secretsmanager:<" + spareID + ">:SecretString:::}}"
			if want := `{"next":"` + spare + `","previous":"` + spare + `"}`; !ok || tmpl != want || get(gen, "GenerateStringKey") != "current" {
				t.Errorf("origin secret generator %s; want current generated in %s", jsonString(gen), want)
			}
			// Letters and digits only: the value sits in a JSON string as it
			// is; and long enough for the functions to accept it.
			spareGen := get(props(resource(t, d.tmpl, spareID)), "GenerateSecretString")
			length, _ := get(spareGen, "PasswordLength").(float64)
			if get(spareGen, "ExcludePunctuation") != true || get(spareGen, "IncludeSpace") != false ||
				length < secrets.MinOriginSecret || get(spareGen, "SecretStringTemplate") != nil || get(spareGen, "ExcludeCharacters") != nil {
				t.Errorf("spare secret generator %s; want at least %d letters and digits, a plain string", jsonString(spareGen), secrets.MinOriginSecret)
			}
		})
	}
}

// TestNoWebACLKeepsSampledRequests: neither the CloudFront web ACL
// (waf=true) nor the API stage's keeps sampled requests, on the ACL or on
// any rule: a sample holds every header, keys and cookies included.
func TestNoWebACLKeepsSampledRequests(t *testing.T) {
	d := full(t)
	seen := 0
	for name, tmpl := range map[string]map[string]any{"app": d.tmpl, "edge": d.edge} {
		for id, acl := range resources(tmpl, "AWS::WAFv2::WebACL") {
			seen++
			p := props(acl)
			if get(p, "VisibilityConfig", "SampledRequestsEnabled") != false {
				t.Errorf("%s %s: the ACL keeps sampled requests", name, id)
			}
			for _, r := range asList(p["Rules"]) {
				if get(r, "VisibilityConfig", "SampledRequestsEnabled") != false {
					t.Errorf("%s %s: rule %v keeps sampled requests", name, id, get(r, "Name"))
				}
			}
		}
	}
	if seen != 2 {
		t.Fatalf("%d web ACLs; want the CloudFront one (waf=true) and the stage's", seen)
	}
}
