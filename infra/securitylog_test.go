package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/store"
)

// TestSecurityLogDaysSetting: securityLogDays is a whole number of days
// from 1 to 3650 (90 by default), refused otherwise with its name, and
// reaches every function, the authorizer included, as
// LATCHKEY_SECURITY_LOG_DAYS.
func TestSecurityLogDaysSetting(t *testing.T) {
	tests := []struct {
		value any
		want  int // 0: refused
	}{
		{nil, 90}, {1.0, 1}, {"3650", 3650}, {" 30 ", 30},
		{0.0, 0}, {"3651", 0}, {-5.0, 0}, {1.5, 0}, {"ninety", 0}, {true, 0},
	}
	for _, tc := range tests {
		ctx := map[string]any{}
		if tc.value != nil {
			ctx["securityLogDays"] = tc.value
		}
		s, err := readFrom(ctx)
		switch {
		case tc.want == 0 && (err == nil || !strings.Contains(err.Error(), "securityLogDays")):
			t.Errorf("securityLogDays=%#v: %v; want an error naming the setting", tc.value, err)
		case tc.want != 0 && (err != nil || s.SecurityLogDays != tc.want):
			t.Errorf("securityLogDays=%#v: %d, %v; want %d", tc.value, s.SecurityLogDays, err, tc.want)
		}
	}
	if got := functionEnvironment(Settings{SecurityLogDays: 30}, "https://app.example.com")["LATCHKEY_SECURITY_LOG_DAYS"]; got == nil || *got != "30" {
		t.Errorf("LATCHKEY_SECURITY_LOG_DAYS = %v; want 30", got)
	}
	d := plain(t)
	for _, f := range Functions(routes.Table) {
		env, _ := get(props(resource(t, d.tmpl, logicalName(f.Name)+"Function")), "Environment", "Variables").(map[string]any)
		if env["LATCHKEY_SECURITY_LOG_DAYS"] != "90" {
			t.Errorf("%s: LATCHKEY_SECURITY_LOG_DAYS = %v; want 90 (the default)", f.Name, env["LATCHKEY_SECURITY_LOG_DAYS"])
		}
	}
}

// TestSecurityLogIsAppendOnlyForItsWriters spells out the security log's
// grants on the deployed policies: GET /api/security-log's function alone
// reads it (GetItem and Query, its index included); every function that
// records an event, the authorizer among them, may only PutItem on the
// table, and nothing on its index.
func TestSecurityLogIsAppendOnlyForItsWriters(t *testing.T) {
	d := plain(t)
	table := "table:" + string(store.SecurityLogTable)
	index := "index:" + string(store.SecurityLogTable) + "/" + store.IndexByUser
	var readers, writers []string
	for _, f := range Functions(routes.Table) {
		got := actualGrants(t, d, f.Name)
		switch acts := got[table]; {
		case acts == nil:
			if got[index] != nil {
				t.Errorf("%s may %v on the log's index without the table", f.Name, got[index])
			}
		case slices.Equal(acts, specWrite):
			writers = append(writers, f.Name)
			if got[index] != nil {
				t.Errorf("%s writes the log and may %v on its index; want nothing", f.Name, got[index])
			}
		case slices.Equal(acts, specRead):
			readers = append(readers, f.Name)
			if !slices.Equal(got[index], []string{"dynamodb:Query"}) {
				t.Errorf("%s reads the log with %v on its index; want Query", f.Name, got[index])
			}
		default:
			t.Errorf("%s may %v on the security log; want PutItem alone, or a read", f.Name, acts)
		}
	}
	if !slices.Equal(readers, []string{"security-log"}) {
		t.Errorf("the log's readers are %v; want security-log alone", readers)
	}
	for _, w := range []string{"auth-callback", "auth-logout", "auth-logout-all", "sessions-delete", "keys-create", "keys-regenerate", "keys-delete",
		"posts-get", "posts-update", "posts-delete", "posts-publish", routes.AuthorizerFunction} {
		if !slices.Contains(writers, w) {
			t.Errorf("%s does not write the security log; want PutItem (writers: %v)", w, writers)
		}
	}
}
