// Package seed holds the fixed demonstration data of local runs: three users
// (an author, an editor, a reader) and a few published and draft posts. IDs
// and times are fixed, so event fixtures and golden responses can name them.
package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/internal/store"
)

// Issuer is the issuer the seeded users are recorded under: the built-in
// development provider of `make dev` at the default LATCHKEY_PUBLIC_URL. The
// local server records the provider's users under it on every port
// (config.UserIssuer), so that signing in as Ada is the seeded author
// wherever `make dev` listens.
const Issuer = "http://localhost:8080/dev-idp"

// The seeded users.
var (
	Author = store.User{ID: store.UserID(Issuer, "ada"), Issuer: Issuer, Subject: "ada", Email: "ada@example.com", Name: "Ada Author"}
	Editor = store.User{ID: store.UserID(Issuer, "eve"), Issuer: Issuer, Subject: "eve", Email: "eve@example.com", Name: "Eve Editor", Roles: []string{"editor"}}
	Reader = store.User{ID: store.UserID(Issuer, "rex"), Issuer: Issuer, Subject: "rex", Email: "rex@example.com", Name: "Rex Reader"}
)

// Users lists the seeded users.
var Users = []store.User{Author, Editor, Reader}

// Epoch is when the seed was "written".
var Epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Post IDs that fixtures refer to.
const (
	WelcomeID = "post_welcomewelcomewelcomewelco"
	KeysID    = "post_apikeysapikeysapikeysapike"
	CedarID   = "post_cedarpolicycedarpolicyceda"
	DraftID   = "post_draftdraftdraftdraftdraftd"
	Draft2ID  = "post_editorsdrafteditorsdrafted"
)

func at(days int) time.Time { return Epoch.Add(time.Duration(days) * 24 * time.Hour) }

func published(id, title, body string, day int) store.Post {
	pub := at(day).Add(time.Hour)
	return store.Post{ID: id, AuthorID: Author.ID, Title: title, Body: body, Status: store.StatusPublished,
		Version: 2, CreatedAt: at(day), UpdatedAt: pub, PublishedAt: &pub}
}

// Posts lists the seeded posts: three published, two drafts.
var Posts = []store.Post{
	published(WelcomeID, "Welcome to Latchkey", "Sign in with your identity provider, or call the API with a key.", 0),
	published(KeysID, "API keys, shown once", "Keys are 32 random bytes; Latchkey stores only their SHA-256.", 1),
	published(CedarID, "Who may edit this post?", "The author and the editors; the rules live in Cedar policies.", 2),
	{ID: DraftID, AuthorID: Author.ID, Title: "Unfinished thoughts", Body: "Drafts answer 404 to those who may not read them.",
		Status: store.StatusDraft, Version: 1, CreatedAt: at(3), UpdatedAt: at(3)},
	{ID: Draft2ID, AuthorID: Editor.ID, Title: "Editor's notes", Body: "A draft by the editor.",
		Status: store.StatusDraft, Version: 1, CreatedAt: at(4), UpdatedAt: at(4)},
}

// Load writes the seed into the stores. Items already there are left as they
// are, so loading twice (a persisted dev store) changes nothing.
func Load(ctx context.Context, s store.Stores) error {
	for _, u := range Users {
		if _, err := s.Users.Get(ctx, u.ID); err == nil {
			continue
		}
		u.CreatedAt, u.UpdatedAt = Epoch, Epoch
		if _, err := s.Users.Upsert(ctx, u); err != nil {
			return fmt.Errorf("seed user %s: %w", u.Email, err)
		}
	}
	for _, p := range Posts {
		if err := s.Posts.Create(ctx, p); err != nil && !errors.Is(err, store.ErrExists) {
			return fmt.Errorf("seed post %s: %w", p.ID, err)
		}
	}
	return nil
}
