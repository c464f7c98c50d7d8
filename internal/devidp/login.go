package devidp

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// picker is the sign-in page: a form with one button per user. Picking one
// completes the authorization request and sends the browser on to the
// client's redirect URI with a code and the state.
//
// Against cross-site request forgery and login fixation, the form carries
// the request's id, which is random (128 bits), bound to that one request,
// usable once and for ten minutes; and a browser's POST must come from this
// origin (Origin, or else Sec-Fetch-Site).
type picker struct {
	st       *storage
	provider *op.Provider
	issuer   *op.IssuerInterceptor
	origin   string // the issuer's origin: scheme://host[:port]
	action   string // the form's action: the login path under the issuer
	csp      string
	clientID string
	users    []User
}

func newPicker(st *storage, p *op.Provider, issuer string, u *url.URL, c Client, users []User) *picker {
	// form-action also governs where the POST may redirect to: the
	// client's redirect URIs, on whatever origin they are.
	formAction := []string{"'self'"}
	for _, r := range c.RedirectURIs {
		if ru, err := url.Parse(r); err == nil && ru.Host != "" {
			formAction = append(formAction, ru.Scheme+"://"+ru.Host)
		}
	}
	return &picker{
		st:       st,
		provider: p,
		issuer:   op.NewIssuerInterceptor(p.IssuerFromRequest),
		origin:   u.Scheme + "://" + u.Host,
		action:   u.Path + loginPath,
		csp: "default-src 'none'; form-action " + strings.Join(formAction, " ") +
			"; frame-ancestors 'none'; base-uri 'none'",
		clientID: c.ID,
		users:    users,
	}
}

func (p *picker) login(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		id := r.URL.Query().Get("id")
		if !p.st.isPending(id) {
			p.render(w, http.StatusBadRequest, page{Message: msgUnknown})
			return
		}
		p.render(w, http.StatusOK, page{ID: id, Users: p.users})
	case http.MethodPost:
		p.issuer.Handler(http.HandlerFunc(p.pick)).ServeHTTP(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

const msgUnknown = "This sign-in request is unknown, finished or expired. Start again from the app."

func (p *picker) pick(w http.ResponseWriter, r *http.Request) {
	if !p.sameOrigin(r) {
		p.render(w, http.StatusForbidden, page{Message: "This form must be sent from " + p.origin + "."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		p.render(w, http.StatusBadRequest, page{Message: "The form could not be read."})
		return
	}
	if r.PostForm.Has("cancel") {
		// As a real provider does when the person says no: back to the
		// client with error=access_denied and the request's state.
		req, err := p.st.cancel(r.PostForm.Get("id"))
		if err != nil {
			p.render(w, http.StatusBadRequest, page{Message: msgUnknown})
			return
		}
		op.AuthRequestError(w, r, req, oidc.ErrAccessDenied().WithDescription("the person cancelled signing in"), p.provider)
		return
	}
	req, err := p.st.complete(r.PostForm.Get("id"), r.PostForm.Get("user"))
	if err != nil {
		p.render(w, http.StatusBadRequest, page{Message: msgUnknown})
		return
	}
	// The library issues the code (SaveAuthCode) and redirects to the
	// request's redirect URI, which the authorize endpoint checked.
	op.AuthResponse(req, p.provider, w, r)
}

// sameOrigin reports whether a POST comes from this origin. A request with
// neither header is not from a browser, and forgery needs a browser.
func (p *picker) sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		return o == p.origin
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" {
		return s == "same-origin"
	}
	return true
}

func (p *picker) loggedOut(w http.ResponseWriter, _ *http.Request) {
	p.render(w, http.StatusOK, page{Message: "You are signed out of the development provider."})
}

type page struct {
	ClientID, Action, ID, Message string
	Users                         []User
}

func (p *picker) render(w http.ResponseWriter, status int, data page) {
	data.ClientID, data.Action = p.clientID, p.action
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY") // one click signs in: never inside a frame
	// same-origin, not no-referrer: with no-referrer a browser sends
	// "Origin: null" on the form's POST, which sameOrigin refuses.
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageTemplate is plain HTML: no script and no inline style, so it works
// under a strict content security policy.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — Latchkey development provider</title>
</head>
<body>
<main>
<h1>Latchkey development provider</h1>
{{- if .Message}}
<p>{{.Message}}</p>
{{- else}}
<p>Sign in to <strong>{{.ClientID}}</strong> as one of the seeded users. There is no password:
this provider exists only for local runs.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="id" value="{{.ID}}">
<ul>
{{- range .Users}}
<li><button type="submit" name="user" value="{{.Subject}}">{{.Name}} &lt;{{.Email}}&gt;</button>
{{- with .Groups}} groups: {{range $i, $g := .}}{{if $i}}, {{end}}{{$g}}{{end}}{{end}}</li>
{{- end}}
</ul>
<p><button type="submit" name="cancel" value="1">Cancel</button></p>
</form>
{{- end}}
</main>
</body>
</html>
`))
