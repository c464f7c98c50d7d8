package realidp_test

import (
	"context"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/latchkey/latchkey/internal/login/realidp"
)

// The relying party's server is created unstarted, so that its redirect URI
// is known before the provider starts and the provider's issuer is known
// before the relying party is configured.
func ExampleStart() {
	rp := httptest.NewUnstartedServer(nil)
	defer rp.Close()
	idp, err := realidp.Start("http://" + rp.Listener.Addr().String() + "/auth/callback")
	if err != nil {
		log.Fatal(err)
	}
	defer idp.Close()

	// The relying party under test, configured with idp.Issuer,
	// idp.ClientID and idp.ClientSecret; its /login redirects to the
	// provider and /auth/callback takes the code.
	rp.Config.Handler = http.NotFoundHandler()
	rp.Start()

	jar, err := cookiejar.New(nil)
	if err != nil {
		log.Fatal(err)
	}
	browser := &http.Client{Jar: jar}
	callback, err := idp.SignIn(context.Background(), browser, rp.URL+"/login", "erin")
	if err != nil {
		log.Fatal(err)
	}
	// Hand the code to the relying party, as the browser would.
	resp, err := browser.Get(callback.String())
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
}
