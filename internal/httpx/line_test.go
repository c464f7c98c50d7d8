package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

// lineAndSlog writes the same record twice through one NewLogger: once by
// StartLine, once by slog. A record: the message, then a string member v
// under k, a number, a raw JSON member and an object holding a number.
func lineAndSlog(t testing.TB, at time.Time, msg, k, v string) (line, viaSlog string) {
	var buf bytes.Buffer
	log := NewLogger(&buf)
	l := StartLine(log.Handler(), at, slog.LevelInfo, msg)
	if l == nil {
		t.Fatal("StartLine refused NewLogger's handler")
	}
	l.Str(k, v).Int("n", -42).Raw("list", []byte(`[{"a":"b"}]`)).Object("_aws").Int("Timestamp", 7).End().Str("after", v).Write()
	line = buf.String()
	buf.Reset()
	r := slog.NewRecord(at, slog.LevelInfo, msg, 0)
	r.AddAttrs(slog.String(k, v), slog.Int64("n", -42), slog.Any("list", []map[string]string{{"a": "b"}}),
		slog.Group("_aws", slog.Int64("Timestamp", 7)), slog.String("after", v))
	if err := log.Handler().Handle(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return line, buf.String()
}

// TestLineIsWhatSlogWrites: a line built by hand is, byte for byte, what
// NewLogger's slog handler writes for the same record, whatever its
// strings hold.
func TestLineIsWhatSlogWrites(t *testing.T) {
	at := time.Date(2026, 11, 30, 6, 30, 1, 123456000, time.UTC)
	for _, tc := range []struct{ name, v string }{
		{"plain", "192.0.2.7"},
		{"empty", ""},
		{"quote and backslash", `a"b\c`},
		{"control characters", "a\nb\rc\td\x00e\x1f\x7f"},
		{"html stays", "<script>&amp;</script>"},
		{"invalid utf-8", "a\xffb\xc3"},
		{"line separators", "a\u2028b\u2029c"},
		{"non-ascii", "été ☃ 𝄞"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, want := lineAndSlog(t, at, "authorizer decision", "key", tc.v)
			if got != want {
				t.Fatalf("line\n%q\nslog\n%q", got, want)
			}
		})
	}
	t.Run("a time with a zone and no fraction", func(t *testing.T) {
		got, want := lineAndSlog(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", -7*3600)), "m", "k", "v")
		if got != want {
			t.Fatalf("line\n%q\nslog\n%q", got, want)
		}
	})
}

// TestStartLineFallsBackToSlog: a handler that is not NewLogger's, one that
// drops the level, or a time slog writes with an error gets no line; the
// caller logs through slog.
func TestStartLineFallsBackToSlog(t *testing.T) {
	var buf bytes.Buffer
	for _, tc := range []struct {
		name  string
		h     slog.Handler
		at    time.Time
		level slog.Level
	}{
		{"another handler", slog.NewJSONHandler(&buf, nil), time.Now(), slog.LevelInfo},
		{"a level it drops", NewLogger(&buf).Handler(), time.Now(), slog.LevelDebug},
		{"a derived handler", NewLogger(&buf).With("a", "b").Handler(), time.Now(), slog.LevelInfo},
		{"a year past 9999", NewLogger(&buf).Handler(), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if l := StartLine(tc.h, tc.at, tc.level, "m"); l != nil {
				t.Fatal("StartLine gave a line")
			}
		})
	}
}

// FuzzLineString: for any key, value and message, the hand-built line is
// the bytes slog writes.
func FuzzLineString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c\n\r\t\x00\x7f", "\xff\xfe", "\u2028\u2029", "<>&", "é☃𝄞"} {
		f.Add("authorizer decision", "key", s)
	}
	at := time.Date(2026, 11, 30, 6, 30, 1, 5, time.UTC)
	f.Fuzz(func(t *testing.T, msg, k, v string) {
		got, want := lineAndSlog(t, at, msg, k, v)
		if got != want {
			t.Fatalf("line\n%q\nslog\n%q", got, want)
		}
	})
}

// FuzzAppendJSONString: the hand-written encoder produces JSON that decodes
// to the same string encoding/json's would (invalid UTF-8 replaced).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote" back\ `, "\x00\x1f\n\t<>&", "\u2028\u2029", "\xff\xfe", "é€𝄞"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendJSONString(nil, s)
		want, _ := json.Marshal(s)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendJSONString(%q) = %s; encoding/json gives %s", s, got, want)
		}
	})
}
