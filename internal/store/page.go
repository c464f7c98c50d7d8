package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// Listing limits: docs/API.md allows ?limit= from 1 to 100, default 20.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	// MaxCursorLen bounds the attacker-supplied cursor before any decoding.
	MaxCursorLen = 512
)

// Page asks for one page of a listing: at most Limit items after Cursor
// (empty for the first page).
type Page struct {
	Limit  int
	Cursor string
}

// Size is the page size to use: Limit clamped to 1..MaxLimit, DefaultLimit
// when unset.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// Position is where a listing stopped: the sort value and the ID of the last
// item returned. Both stores order listings by (Sort, ID) descending, so a
// Position is enough to resume and means the same in both.
type Position struct {
	Sort string `json:"s"`
	ID   string `json:"i"`
}

// EncodeCursor turns a position into the opaque cursor clients send back.
func EncodeCursor(p Position) string {
	b, _ := json.Marshal(p) // two strings cannot fail to marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// CursorAfter is the cursor that resumes a listing ordered by creation
// (PostStore.ListByAuthor, PostStore.ListAll) right after post p. Both
// stores order those listings by (createdAt, id), so a page may end at any
// listed post: a filtered listing stops where its page is full.
func CursorAfter(p Post) string {
	return EncodeCursor(Position{Sort: SortTime(p.CreatedAt), ID: p.ID})
}

// DecodeCursor parses a cursor from a client. It never trusts the content
// beyond its shape: the store still applies its own partition to the query.
func DecodeCursor(c string) (Position, error) {
	if len(c) > MaxCursorLen {
		return Position{}, fmt.Errorf("%w: too long", ErrBadCursor)
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return Position{}, fmt.Errorf("%w: not base64url", ErrBadCursor)
	}
	var p Position
	if err := json.Unmarshal(raw, &p); err != nil || p.ID == "" || p.Sort == "" {
		return Position{}, fmt.Errorf("%w: malformed", ErrBadCursor)
	}
	return p, nil
}

// sortTimeLayout is fixed-width so that strings sort as the times do
// (RFC 3339 with trimmed fractions does not: ".1Z" sorts after ".12Z").
const sortTimeLayout = "2006-01-02T15:04:05.000000000Z"

// SortTime formats t as a sort key: UTC, fixed width, lexicographic order
// equal to time order.
func SortTime(t time.Time) string {
	return t.UTC().Format(sortTimeLayout)
}
