package realidp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

const (
	// maxSteps bounds the requests of one sign-in; oidc-provider needs
	// about eight.
	maxSteps = 20
	// maxPage bounds how much of a response SignIn reads.
	maxPage = 1 << 20
	// maxExcerpt bounds the part of a page quoted in an error.
	maxExcerpt = 300
)

// SignIn signs in as login through the provider's development login and
// consent pages, and returns the URL the provider finally redirects to — the
// relying party's redirect URI with code, state and iss, or with error and
// error_description if the provider refused the request — without
// requesting it, so that the caller can hand it to the relying party.
//
// authorizeURL is either the provider's authorization URL with the relying
// party's parameters, or a relying-party URL that redirects there (a login
// endpoint that sets its own state cookie, say). SignIn follows redirects
// itself: every redirect until the provider redirects to another origin.
//
// client must have a cookie jar: the provider keeps the interaction in
// cookies, and the relying party's cookies set on the way land there too.
// Its Transport, Timeout and Jar are used; its CheckRedirect is not (SignIn
// stops before the redirect URI by itself), so any client with a jar will
// do, such as &http.Client{Jar: jar}.
//
// The login page is filled in only if the provider shows it: if the jar
// already holds a provider session, oidc-provider signs in as that session's
// account without asking (and skips consent it already has). Use a new jar
// to sign in as someone else, or have the relying party send prompt=login.
// Only response_mode=query (the default for the code flow) is supported.
func (p *Provider) SignIn(ctx context.Context, client *http.Client, authorizeURL, login string) (*url.URL, error) {
	if client == nil || client.Jar == nil {
		return nil, errors.New("sign in: the HTTP client has no cookie jar")
	}
	if login == "" {
		return nil, errors.New("sign in: empty login")
	}
	next, err := url.Parse(authorizeURL)
	if err != nil {
		return nil, fmt.Errorf("sign in: authorize URL: %w", err)
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	var form url.Values // the form to post to next; nil for a GET
	loggedIn := false
	for range maxSteps {
		resp, err := p.request(ctx, &c, next, form)
		if err != nil {
			return nil, err
		}
		step := requestLine(next, form)
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage+1))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("sign in: %s: read response: %w", step, err)
		}
		if len(body) > maxPage {
			return nil, fmt.Errorf("sign in: %s: response over %d bytes", step, maxPage)
		}

		switch {
		case isRedirect(resp.StatusCode):
			loc, err := resp.Location()
			if err != nil {
				return nil, fmt.Errorf("sign in: %s: %s with a bad Location: %w", step, resp.Status, err)
			}
			if p.onProvider(next) && !p.onProvider(loc) {
				return loc, nil
			}
			next, form = loc, nil

		case resp.StatusCode == http.StatusOK && p.onProvider(next):
			action, fields, err := parseForm(body, next)
			if err != nil {
				return nil, fmt.Errorf("sign in: %s: %w; page: %s", step, err, excerpt(body))
			}
			if !p.onProvider(action) {
				return nil, fmt.Errorf("sign in: %s: the form posts to %s, not to the provider (only response_mode=query is supported); page: %s",
					step, action.Redacted(), excerpt(body))
			}
			switch prompt := fields.Get("prompt"); prompt {
			case "login":
				if loggedIn {
					return nil, fmt.Errorf("sign in: %s: the login page came back after logging in as %q; page: %s", step, login, excerpt(body))
				}
				loggedIn = true
				fields.Set("login", login)
				// devInteractions accepts any password.
				fields.Set("password", "password")
			case "consent":
			default:
				return nil, fmt.Errorf("sign in: %s: a form for prompt %q, not login or consent; page: %s", step, prompt, excerpt(body))
			}
			next, form = action, fields

		default:
			return nil, fmt.Errorf("sign in: %s: %s; page: %s", step, resp.Status, excerpt(body))
		}
	}
	return nil, fmt.Errorf("sign in: no redirect away from the provider after %d requests", maxSteps)
}

// request sends a GET to u, or a form POST if form is not nil.
func (p *Provider) request(ctx context.Context, c *http.Client, u *url.URL, form url.Values) (*http.Response, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return resp, nil
}

// onProvider reports whether u is on the provider's origin. Cookies ignore
// ports, but origins do not: a relying party on another 127.0.0.1 port is
// not the provider.
func (p *Provider) onProvider(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, p.issuer.Scheme) && strings.EqualFold(u.Host, p.issuer.Host)
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// requestLine names a request in errors, without its query (which holds
// state, nonce and the PKCE challenge, all noise here).
func requestLine(u *url.URL, form url.Values) string {
	method := http.MethodGet
	if form != nil {
		method = http.MethodPost
	}
	return method + " " + u.Scheme + "://" + u.Host + u.EscapedPath()
}

var (
	formRE  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form\s*>`)
	inputRE = regexp.MustCompile(`(?is)<input\b([^>]*)>`)
	attrRE  = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>` + "`" + `]+)))?`)
)

// parseForm reads the first form of an oidc-provider page: its action,
// resolved against base, and the names and values of its inputs (hidden
// ones such as prompt, and the empty text fields). It reads the provider's
// own simple, escaped markup, not arbitrary HTML.
func parseForm(page []byte, base *url.URL) (*url.URL, url.Values, error) {
	m := formRE.FindSubmatch(page)
	if m == nil {
		return nil, nil, errors.New("no form on the page")
	}
	attrs := parseAttrs(m[1])
	if method := attrs["method"]; !strings.EqualFold(method, http.MethodPost) {
		return nil, nil, fmt.Errorf("the form's method is %q, not post", method)
	}
	action, err := base.Parse(attrs["action"])
	if err != nil {
		return nil, nil, fmt.Errorf("the form's action: %w", err)
	}
	fields := url.Values{}
	for _, in := range inputRE.FindAllSubmatch(m[2], -1) {
		a := parseAttrs(in[1])
		if name := a["name"]; name != "" {
			fields.Add(name, a["value"])
		}
	}
	return action, fields, nil
}

// parseAttrs returns a tag's attributes, names lower-cased and values
// unescaped; an attribute without a value maps to "".
func parseAttrs(tag []byte) map[string]string {
	attrs := map[string]string{}
	for _, m := range attrRE.FindAllSubmatch(tag, -1) {
		name := strings.ToLower(string(m[1]))
		if _, seen := attrs[name]; seen {
			continue // as in HTML, the first one counts
		}
		attrs[name] = html.UnescapeString(string(m[2]) + string(m[3]) + string(m[4]))
	}
	return attrs
}

var (
	hiddenRE = regexp.MustCompile(`(?is)<(style|script|head)\b.*?</(style|script|head)\s*>`)
	tagRE    = regexp.MustCompile(`(?s)<[^>]*>`)
)

// excerpt returns the start of a page's text, for errors: oidc-provider's
// error page reads "oops! something went wrong error: … error_description: …".
func excerpt(page []byte) string {
	text := hiddenRE.ReplaceAll(page, nil)
	text = tagRE.ReplaceAll(text, []byte(" "))
	s := strings.Join(strings.Fields(html.UnescapeString(string(text))), " ")
	if s == "" {
		return "(empty)"
	}
	if r := []rune(s); len(r) > maxExcerpt {
		s = string(r[:maxExcerpt]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
