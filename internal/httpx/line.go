package httpx

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// jsonHandler is NewLogger's handler: slog's JSON handler, writing through
// out, which StartLine's lines share so that they and slog's never
// interleave.
type jsonHandler struct {
	*slog.JSONHandler
	out *lockedWriter
}

// lockedWriter is the one writer of a logger's lines, slog's and
// StartLine's alike: one line a Write, one Write at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Line is a log line built field by field straight into its bytes, for a
// line written on every request (the authorizer's decision). They are the
// bytes NewLogger's handler writes for the same record — the same keys in
// the same order, strings escaped as slog escapes them, the time in
// RFC 3339 with nanoseconds — without slog's generic walk over its
// attributes, which was most of the line's cost: TestLineIsWhatSlogWrites
// and FuzzLineString hold the two the same.
type Line struct {
	buf   []byte
	out   *lockedWriter
	comma bool // a member precedes the next one
}

var linePool = sync.Pool{New: func() any { return &Line{buf: make([]byte, 0, 1024)} }}

// StartLine begins the line of a record at t with level and msg for h, or
// returns nil when h is not NewLogger's handler or does not log level, or
// t is a time slog would not write as it is; the caller then logs through
// slog. Its members follow with Str, Int, Raw and Object; Write ends it.
func StartLine(h slog.Handler, t time.Time, level slog.Level, msg string) *Line {
	jh, ok := h.(*jsonHandler)
	if !ok || !jh.Enabled(context.Background(), level) {
		return nil
	}
	if y := t.Year(); y < 0 || y >= 10000 {
		return nil // slog writes an error beside such a time
	}
	l := linePool.Get().(*Line)
	l.out, l.comma = jh.out, false
	l.buf = append(l.buf[:0], '{')
	if !t.IsZero() {
		l.key(slog.TimeKey)
		l.buf = append(l.buf, '"')
		l.buf = t.Round(0).AppendFormat(l.buf, time.RFC3339Nano)
		l.buf = append(l.buf, '"')
	}
	return l.Str(slog.LevelKey, level.String()).Str(slog.MessageKey, msg)
}

func (l *Line) key(k string) {
	if l.comma {
		l.buf = append(l.buf, ',')
	}
	l.comma = true
	l.buf = append(l.buf, '"')
	l.buf = appendEscaped(l.buf, k)
	l.buf = append(l.buf, '"', ':')
}

// Str adds a string member.
func (l *Line) Str(k, v string) *Line {
	l.key(k)
	l.buf = append(l.buf, '"')
	l.buf = appendEscaped(l.buf, v)
	l.buf = append(l.buf, '"')
	return l
}

// Int adds a number member.
func (l *Line) Int(k string, v int64) *Line {
	l.key(k)
	l.buf = strconv.AppendInt(l.buf, v, 10)
	return l
}

// Raw adds a member whose value is json, already encoded as slog encodes
// a value of any other kind (encoding/json, HTML left unescaped).
func (l *Line) Raw(k string, json []byte) *Line {
	l.key(k)
	l.buf = append(l.buf, json...)
	return l
}

// Object opens an object member (slog's group); End closes it.
func (l *Line) Object(k string) *Line {
	l.key(k)
	l.buf = append(l.buf, '{')
	l.comma = false
	return l
}

// End closes the object Object opened.
func (l *Line) End() *Line {
	l.buf = append(l.buf, '}')
	l.comma = true
	return l
}

// Write ends the line and writes it, then gives the line back: it must not
// be used again.
func (l *Line) Write() {
	l.buf = append(l.buf, '}', '\n')
	_, _ = l.out.Write(l.buf)
	l.out = nil
	if cap(l.buf) <= 16<<10 { // a rare long line is not kept
		linePool.Put(l)
	}
}

// appendEscaped appends s as slog's JSON handler escapes a string's
// contents: quote, backslash and the control characters escaped (\n, \r,
// \t by name), each invalid UTF-8 byte as U+FFFD, U+2028 and U+2029
// escaped; '<', '>' and '&' as they are.
func appendEscaped(buf []byte, s string) []byte { return appendJSONChars(buf, s, false) }

// AppendJSONString appends s as encoding/json writes a string, quotes
// included: as slog does, and besides '<', '>' and '&' escaped (\u003c …)
// and \b and \f by name. The authorizer writes its answer with it.
func AppendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	return append(appendJSONChars(buf, s, true), '"')
}

// appendJSONChars appends s's characters escaped for a JSON string, as
// slog does, or as encoding/json does when encodingJSON.
func appendJSONChars(buf []byte, s string, encodingJSON bool) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b >= 0x20 && b != '"' && b != '\\' && b < utf8.RuneSelf &&
			(!encodingJSON || b != '<' && b != '>' && b != '&') {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			buf = append(buf, s[start:i]...)
			switch {
			case b == '"' || b == '\\':
				buf = append(buf, '\\', b)
			case b == '\n':
				buf = append(buf, '\\', 'n')
			case b == '\r':
				buf = append(buf, '\\', 'r')
			case b == '\t':
				buf = append(buf, '\\', 't')
			case encodingJSON && b == '\b':
				buf = append(buf, '\\', 'b')
			case encodingJSON && b == '\f':
				buf = append(buf, '\\', 'f')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(buf, s[start:]...)
}
