package seclog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
)

func TestRecordKeepsAnEventForTheConfiguredDays(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.FixedZone("x", 3600))
	for _, tc := range []struct {
		name string
		days int
		want time.Duration
	}{
		{"the default", 0, 90 * 24 * time.Hour},
		{"a setting", 7, 7 * 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := depstest.Local(config.Config{SecurityLogDays: tc.days})
			d.Now = func() time.Time { return at }
			ctx := context.Background()
			if err := Record(ctx, d, "usr_a", store.EventKeyCreated, map[string]string{"keyId": "key_1"}); err != nil {
				t.Fatal(err)
			}
			got, _, err := d.Stores.SecurityLog.List(ctx, "usr_a", at, store.Page{Limit: 10})
			if err != nil || len(got) != 1 {
				t.Fatalf("List = %v, %v; want one event", got, err)
			}
			e := got[0]
			if e.Kind != store.EventKeyCreated || e.Details["keyId"] != "key_1" || !e.At.Equal(at) || e.At.Location() != time.UTC ||
				e.ExpiresEpoch != at.Add(tc.want).Unix() || !store.ValidID("evt", e.ID) {
				t.Errorf("event %+v; want key-created for key_1 at %v (UTC), kept %v", e, at, tc.want)
			}
			if later, _, _ := d.Stores.SecurityLog.List(ctx, "usr_a", at.Add(tc.want+time.Second), store.Page{Limit: 10}); len(later) != 0 {
				t.Errorf("an expired event is still listed: %+v", later)
			}
		})
	}
}

type failingLog struct{ store.SecurityLogStore }

func (failingLog) Add(context.Context, store.SecurityEvent) error { return errors.New("store down") }

func TestRecordReturnsAFailedWrite(t *testing.T) {
	d := depstest.Local(config.Config{})
	d.Stores.SecurityLog = failingLog{}
	if err := Record(context.Background(), d, "usr_a", store.EventSignIn, nil); err == nil {
		t.Fatal("Record = nil; want the store's error")
	}
}

// TestRecordOnceKeepsOneEventPerID: the same derived id recorded twice is
// one event; the second write returns store.ErrExists, which is not a
// failure to log.
func TestRecordOnceKeepsOneEventPerID(t *testing.T) {
	d := depstest.Local(config.Config{})
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return at }
	var logs bytes.Buffer
	ctx := httpx.WithLogger(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)))
	id := store.DerivedID("evt", "test", "one")
	if err := RecordOnce(ctx, d, id, "usr_a", store.EventKeyCreated, map[string]string{"keyId": "key_1"}); err != nil {
		t.Fatal(err)
	}
	if err := RecordOnce(ctx, d, id, "usr_a", store.EventKeyCreated, map[string]string{"keyId": "key_2"}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("RecordOnce again = %v; want %v", err, store.ErrExists)
	}
	got, _, err := d.Stores.SecurityLog.List(ctx, "usr_a", at, store.Page{Limit: 10})
	if err != nil || len(got) != 1 || got[0].ID != id || got[0].Details["keyId"] != "key_1" {
		t.Fatalf("List = %+v, %v; want the first event alone, under %s", got, err, id)
	}
	if logs.Len() != 0 {
		t.Fatalf("an event kept already was logged: %s", logs.String())
	}
}
