package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// testSecurityLog is the contract of SecurityLogStore: a user's events come
// newest first, page by page, without another user's and without those
// past their retention; an id is written once; an event comes back as it
// was written.
func testSecurityLog(t *testing.T, newStores Factory) {
	ctx := context.Background()
	log := newStores(t).SecurityLog
	now := base.Add(24 * time.Hour)
	kept := now.Add(90 * 24 * time.Hour).Unix()

	mk := func(user string, minutes int, expires int64) store.SecurityEvent {
		return store.SecurityEvent{
			ID: store.NewID("evt"), UserID: user, At: base.Add(time.Duration(minutes) * time.Minute),
			Kind: store.EventKeyCreated, Details: map[string]string{"keyId": fmt.Sprintf("key_%d", minutes)}, ExpiresEpoch: expires,
		}
	}
	// Written out of order, so that the order comes from the store.
	a := []store.SecurityEvent{mk("usr_a", 3, kept), mk("usr_a", 1, kept), mk("usr_a", 4, 0), mk("usr_a", 2, now.Unix()), mk("usr_a", 5, kept)}
	expired := mk("usr_a", 6, now.Unix()-1) // the newest, and past its retention
	b := mk("usr_b", 7, kept)
	for _, e := range append(slices.Clone(a), expired, b) {
		must(t, "Add", log.Add(ctx, e))
	}

	dup := a[0]
	dup.UserID, dup.Kind = "usr_b", store.EventSignIn
	wantErr(t, "Add(same id)", log.Add(ctx, dup), store.ErrExists)

	listOf := func(user string) func(store.Page) ([]store.SecurityEvent, string, error) {
		return func(p store.Page) ([]store.SecurityEvent, string, error) { return log.List(ctx, user, now, p) }
	}
	eventID := func(e store.SecurityEvent) string { return e.ID }
	tests := []struct {
		name string
		user string
		want []string
	}{
		// a[2] never expires (no ExpiresEpoch) and a[3] expires this
		// second: both are listed; the expired event is not.
		{"newest first, in pages, without expired events", "usr_a", []string{a[4].ID, a[2].ID, a[0].ID, a[3].ID, a[1].ID}},
		{"another user's events only", "usr_b", []string{b.ID}},
		{"no events", "usr_none", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := collect(t, tc.name, eventID, listOf(tc.user)); !slices.Equal(got, tc.want) {
				t.Fatalf("List(%s) = %v; want %v", tc.user, got, tc.want)
			}
		})
	}

	t.Run("an event comes back as written", func(t *testing.T) {
		e := mk("usr_c", 8, kept)
		e.Kind = store.EventSignIn
		e.At = base.Add(8 * time.Minute).In(time.FixedZone("UTC+2", 7200))
		e.Details = map[string]string{
			"provider": "accounts.example.com", "address": "2001:db8::1", "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
			"label": "Ünïcode “quotes” <tags> & 😀", "empty": "",
		}
		bare := mk("usr_c", 9, kept)
		bare.Details = nil
		for _, x := range []store.SecurityEvent{e, bare} {
			must(t, "Add", log.Add(ctx, x))
		}
		got, next, err := log.List(ctx, "usr_c", now, store.Page{})
		must(t, "List(usr_c)", err)
		if len(got) != 2 || next != "" {
			t.Fatalf("List(usr_c) = %d events, next %q; want 2 and no next", len(got), next)
		}
		for i, want := range []store.SecurityEvent{bare, e} {
			g := got[i]
			if g.ID != want.ID || g.UserID != want.UserID || g.Kind != want.Kind || !g.At.Equal(want.At) ||
				g.ExpiresEpoch != want.ExpiresEpoch || !maps.Equal(g.Details, want.Details) {
				t.Errorf("List(usr_c)[%d] = %+v; want %+v", i, g, want)
			}
		}
		// What the caller holds is not the store's: changing it changes
		// nothing stored.
		got[1].Details["provider"] = "changed"
		again, _, err := log.List(ctx, "usr_c", now, store.Page{})
		must(t, "List(usr_c) again", err)
		if again[1].Details["provider"] != "accounts.example.com" {
			t.Errorf("a listed event's details are shared with the store")
		}
	})

	t.Run("a cursor is checked", func(t *testing.T) {
		for _, c := range []string{"!!!", "e30", store.EncodeCursor(store.Position{}), string(make([]byte, 2000))} {
			_, _, err := log.List(ctx, "usr_a", now, store.Page{Cursor: c})
			wantErr(t, fmt.Sprintf("List(cursor %.20q)", c), err, store.ErrBadCursor)
		}
	})
}
