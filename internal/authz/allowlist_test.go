package authz

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/apikey"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

const originSecret = "origin-0123456789abcdefghijklmnopqrstuvwxyz"

// limitedKey stores a read key that may be used from 192.0.2.0/24 and
// 2001:db8::/32 only.
func limitedKey(t *testing.T, f *fixture) (string, store.APIKey) {
	t.Helper()
	secret, k := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	cidrs := []string{"192.0.2.0/24", "2001:db8::/32"}
	k, err := f.keys.UpdateSettings(context.Background(), k.UserID, k.ID, store.KeySettings{AllowedCIDRs: &cidrs})
	if err != nil {
		t.Fatal(err)
	}
	return secret, k
}

func fromAddress(key, sourceIP, viewer string, frontDoor ...string) Input {
	i := in("GET", "/r", "Bearer "+key)
	i.SourceIP, i.ViewerAddress, i.FrontDoor = sourceIP, viewer, frontDoor
	return i
}

func TestAllowListDecidesByTheCallersAddress(t *testing.T) {
	f := newFixture()
	key, _ := limitedKey(t, f)
	local := f.authorizer(0)
	behind := f.authorizer(0)
	behind.opts.OriginSecrets = frontdoor.Secrets{originSecret}
	const cloudFront = "130.176.1.1" // CloudFront's own address, API Gateway's sourceIp behind it
	tests := []struct {
		name     string
		a        *Authorizer
		input    Input
		want     Effect
		wantCode string
	}{
		{"locally, an address in the list", local, fromAddress(key, "192.0.2.10", ""), Allow, ""},
		{"locally, an IPv6 address in the list", local, fromAddress(key, "2001:db8:1::5", ""), Allow, ""},
		{"locally, an IPv4-mapped IPv6 address matches its IPv4 prefix", local, fromAddress(key, "::ffff:192.0.2.10", ""), Allow, ""},
		{"locally, an address outside the list", local, fromAddress(key, "198.51.100.1", ""), Deny, httpx.CodeIPNotAllowed},
		{"locally, the first address past the prefix", local, fromAddress(key, "192.0.3.0", ""), Deny, httpx.CodeIPNotAllowed},
		{"locally, IPv6 outside the list", local, fromAddress(key, "2001:db9::1", ""), Deny, httpx.CodeIPNotAllowed},
		{"locally, a forged viewer header does not let a key in", local, fromAddress(key, "198.51.100.1", "192.0.2.10"), Deny, httpx.CodeIPNotAllowed},
		{"locally, no address at all is refused", local, fromAddress(key, "", ""), Deny, httpx.CodeIPNotAllowed},
		{"locally, an address that does not parse is refused", local, fromAddress(key, "192.0.2.10, 10.0.0.1", ""), Deny, httpx.CodeIPNotAllowed},
		{"locally, an address with a zone is refused", local, fromAddress(key, "2001:db8::1%eth0", ""), Deny, httpx.CodeIPNotAllowed},
		{"behind CloudFront, the viewer's address in the list", behind, fromAddress(key, cloudFront, "192.0.2.10", originSecret), Allow, ""},
		{"behind CloudFront, an IPv6 viewer in the list", behind, fromAddress(key, cloudFront, "2001:db8::7", originSecret), Allow, ""},
		{"behind CloudFront, the viewer's address outside the list", behind, fromAddress(key, "192.0.2.10", "198.51.100.1", originSecret), Deny, httpx.CodeIPNotAllowed},
		{"behind CloudFront, no viewer address is refused", behind, fromAddress(key, "192.0.2.10", "", originSecret), Deny, httpx.CodeIPNotAllowed},
		{"behind CloudFront, a garbled viewer address is refused", behind, fromAddress(key, "192.0.2.10", "192.0.2.10x", originSecret), Deny, httpx.CodeIPNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.a.Decide(context.Background(), tc.input)
			if d.Effect != tc.want || d.Code != tc.wantCode {
				t.Fatalf("Decide = %v %q (%s); want %v %q", d.Effect, d.Code, d.Reason, tc.want, tc.wantCode)
			}
			resp, err := Render(d, "arn:aws:execute-api:us-east-1:1:api/prod/GET/r")
			if tc.want == Deny && (err != nil || resp.Context[httpx.DenialCode] != httpx.CodeIPNotAllowed) {
				t.Fatalf("Render = %v, %v; want a Deny naming ip_not_allowed", resp.Context, err)
			}
		})
	}
}

func TestAKeyWithoutAListIsUsableFromAnyAddress(t *testing.T) {
	f := newFixture()
	key, _ := f.addKey(t, apikey.EnvTest, []string{"read"}, nil)
	a := f.authorizer(0)
	for _, addr := range []string{"192.0.2.1", "2001:db8::1", "", "not an address"} {
		if d := a.Decide(context.Background(), fromAddress(key, addr, "")); d.Effect != Allow {
			t.Fatalf("Decide(from %q) = %v (%s); want Allow", addr, d.Effect, d.Reason)
		}
	}
}

// TestAllowListHoldsOnTheCachedKey: a key the authorizer holds is checked
// against its list on every request, and a narrowed list takes effect
// within the cache's time, as a revocation does.
func TestAllowListHoldsOnTheCachedKey(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	key, k := limitedKey(t, f)
	const ttl = 30 * time.Second
	a := f.authorizer(ttl)
	if d := a.Decide(ctx, fromAddress(key, "192.0.2.10", "")); d.Effect != Allow {
		t.Fatalf("first use from inside = %v (%s); want Allow", d.Effect, d.Reason)
	}
	reads := f.keys.reads.Load()
	if d := a.Decide(ctx, fromAddress(key, "198.51.100.1", "")); d.Effect != Deny || d.Code != httpx.CodeIPNotAllowed {
		t.Fatalf("use from outside, key cached = %v %q; want Deny ip_not_allowed", d.Effect, d.Code)
	}
	if f.keys.reads.Load() != reads {
		t.Fatal("the refusal read the store; want it decided from the cached key")
	}

	narrowed := []string{"203.0.113.0/24"}
	if _, err := f.keys.UpdateSettings(ctx, k.UserID, k.ID, store.KeySettings{AllowedCIDRs: &narrowed}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(ttl)
	if d := a.Decide(ctx, fromAddress(key, "192.0.2.10", "")); d.Effect != Deny || d.Code != httpx.CodeIPNotAllowed {
		t.Fatalf("after the list was narrowed and the cache time passed = %v %q; want Deny ip_not_allowed", d.Effect, d.Code)
	}
}

func TestASessionIsNotHeldToItsUsersKeyLists(t *testing.T) {
	f := newSessionFixture()
	limitedKey(t, f.fixture)
	tok, _ := f.addSession(t)
	a := f.authorizer(0)
	for _, addr := range []string{"198.51.100.1", ""} {
		in := cookieIn("GET", "/r", tok)
		in.SourceIP = addr
		if d := a.Decide(context.Background(), in); d.Effect != Allow || d.Code != "" {
			t.Fatalf("session from %q = %v %q (%s); want Allow", addr, d.Effect, d.Code, d.Reason)
		}
	}
}

// TestARefusedRequestIsNoUse: a request refused for its address is neither
// counted nor a last use nor a new address.
func TestARefusedRequestIsNoUse(t *testing.T) {
	ctx := context.Background()
	f := newFixture()
	key, k := limitedKey(t, f)
	var told []map[string]string
	a := f.authorizer(0)
	a.uses.record = func(_ context.Context, _, _ string, d map[string]string) error { told = append(told, d); return nil }
	for range 3 {
		_ = a.Decide(ctx, fromAddress(key, "198.51.100.1", ""))
	}
	a.Wait()
	got, _ := f.keys.Get(ctx, k.UserID, k.ID)
	if got.LastUsedAt != nil || len(got.Usage) != 0 || len(got.Addresses) != 0 || len(told) != 0 || f.keys.touches.Load() != 0 {
		t.Fatalf("after refused requests: lastUsedAt %v usage %v addresses %v events %v; want nothing recorded", got.LastUsedAt, got.Usage, got.Addresses, told)
	}
	if !slices.Equal(got.AllowedCIDRs, k.AllowedCIDRs) {
		t.Fatalf("allowedCidrs = %v; want %v", got.AllowedCIDRs, k.AllowedCIDRs)
	}
}
