package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/bench"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/frontdoor"
	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/secrets"
	"github.com/latchkey/latchkey/internal/seed"
	"github.com/latchkey/latchkey/internal/store/dynamo"
	"github.com/latchkey/latchkey/internal/store/dynamo/dynalitetest"
	"github.com/latchkey/latchkey/internal/testproc"
)

// rieInstall installs the runtime interface emulator the target was
// checked with.
const rieInstall = "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// helloName is the hello-world function's binary in the build folder.
const helloName = "hello"

// preferredEvent is, for some functions, the fixture a cold start answers
// (its usual case); the others answer the first fixture of events/<name>/.
var preferredEvent = map[string]string{
	"authorizer":        "bearer-form.json",
	"me":                "apikey.json",
	"public-posts-get":  "published.json",
	"public-posts-list": "first-page.json",
	"keys-create":       "valid.json",
	"keys-list":         "session.json",
	"posts-create":      "valid.json",
	"posts-list":        "author-session.json",
	"posts-get":         "author-draft.json",
	"sessions-list":     "session.json",
	"auth-login":        "provider-unreachable.json",
	"not-found":         "api-path.json",
	"public-openapi":    "document.json",
}

// coldResult is one cold start: process start to the first answer, the
// status in that answer, and a second (warm) invocation.
type coldResult struct {
	first, warm time.Duration
	status      string
}

// coldFunc is one function under test and its figures by variant.
type coldFunc struct {
	name, bin string
	event     []byte
	signIn    bool
	plain     []coldResult // plain settings
	arn       []coldResult // secrets named by ARN, read from the stand-in
	hello     []coldResult // the hello-world start just before plain
}

func cold(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench cold", flag.ContinueOnError)
	dir := fs.String("dir", "dist/host", "folder of bootstraps built for this machine (make bench-cold builds them): one binary per function, authorizer and hello")
	rounds := fs.Int("rounds", 5, "interleaved rounds: in each, every function starts after a hello-world start")
	only := fs.String("only", "", "comma-separated functions to start (default: every binary in -dir)")
	events := fs.String("events", "events", "folder of the fixture events, one folder per function")
	secrets := fs.Bool("secrets", true, "also start each function with its secrets named by ARN, read from a local Secrets Manager stand-in")
	secretsDelay := fs.Duration("secrets-delay", 0, "delay of each stand-in answer (a stand-in for the network round trip to Secrets Manager; 0 measures the local cost alone)")
	timeout := fs.Duration("timeout", 15*time.Second, "longest wait for one cold start's answer")
	rie := fs.String("rie", "", "the aws-lambda-rie binary (default: from PATH, else $(go env GOPATH)/bin)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rounds < 1 || *rounds > 50 {
		return fmt.Errorf("-rounds %d: want 1 to 50: %w", *rounds, errUsage)
	}
	rieBin, err := findRIE(*rie)
	if err != nil {
		return err
	}
	fns, err := coldFunctions(*dir, *only, *events)
	if err != nil {
		return err
	}
	helloBin := filepath.Join(*dir, helloName)
	if _, err := os.Stat(helloBin); err != nil {
		return fmt.Errorf("no hello-world bootstrap at %s (make bench-cold builds it from internal/bench/hello)", helloBin)
	}

	// DynamoDB: dynalite on loopback, with the tables and the seeded and
	// fixture data, so that each first invocation reads as it would.
	db, err := dynalitetest.Start()
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	reseed, err := seedDynalite(ctx, db)
	if err != nil {
		return err
	}

	origin, err := randomText(48)
	if err != nil {
		return err
	}
	clientSecret, err := randomText(40)
	if err != nil {
		return err
	}
	loginKey := make([]byte, 32)
	if _, err := rand.Read(loginKey); err != nil {
		return err
	}
	const arnPrefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:latchkey-bench-"
	sm := newSecretsStandIn(map[string]string{
		arnPrefix + "origin": `{"current":"` + origin + `"}`,
		arnPrefix + "oidc":   clientSecret,
		arnPrefix + "login":  base64.StdEncoding.EncodeToString(loginKey),
	}, *secretsDelay)
	defer sm.Close()

	base := []string{
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench", "AWS_EC2_METADATA_DISABLED=true",
		"LATCHKEY_ENV=test", "LATCHKEY_PUBLIC_URL=https://latchkey.example",
		"LATCHKEY_DYNAMODB_ENDPOINT=" + db.Endpoint,
	}
	envFor := func(f *coldFunc, arn bool) []string {
		env := slices.Clone(base)
		if f.signIn {
			// The issuer is a closed loopback port: the login function's
			// first answer is its 503 for an unreachable provider, at once.
			env = append(env, "LATCHKEY_OIDC_ISSUER=http://127.0.0.1:1", "LATCHKEY_OIDC_CLIENT_ID=latchkey")
		}
		if !arn {
			if f.signIn {
				env = append(env, "LATCHKEY_OIDC_CLIENT_SECRET="+clientSecret, "LATCHKEY_LOGIN_KEY="+base64.StdEncoding.EncodeToString(loginKey))
			}
			return env
		}
		// The secrets a deployment names for this kind of function
		// (infra/secrets.go, forFunction).
		env = append(env, "AWS_ENDPOINT_URL_SECRETS_MANAGER="+sm.URL(), "LATCHKEY_ORIGIN_SECRET_ARN="+arnPrefix+"origin")
		if f.signIn {
			env = append(env, "LATCHKEY_OIDC_CLIENT_SECRET_ARN="+arnPrefix+"oidc", "LATCHKEY_LOGIN_KEY_ARN="+arnPrefix+"login")
		}
		return env
	}
	helloEvent := fns[0].event

	fmt.Fprintf(os.Stderr, "bench cold: %d functions × %d rounds (hello-world, plain%s), emulator %s\n",
		len(fns), *rounds, map[bool]string{true: ", secrets by ARN", false: ""}[*secrets], rieBin)
	var failures []string
	for r := range *rounds {
		for i := range fns {
			if err := ctx.Err(); err != nil {
				return err
			}
			f := &fns[i]
			// What an earlier start deleted (posts-delete, keys-delete) is
			// put back before each start, outside the timing, so that every
			// start finds the same data.
			if err := reseed(); err != nil {
				return err
			}
			h, err := coldStart(ctx, rieBin, helloBin, base, helloEvent, false, *timeout)
			if err != nil {
				return fmt.Errorf("hello-world: %w", err)
			}
			p, err := coldStart(ctx, rieBin, f.bin, envFor(f, false), f.event, f.name == routes.AuthorizerFunction, *timeout)
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s (round %d): %v", f.name, r+1, err))
				continue
			}
			f.hello, f.plain = append(f.hello, h), append(f.plain, p)
			if *secrets {
				if err := reseed(); err != nil {
					return err
				}
				ev, err := withHeader(f.event, frontdoor.Header, origin)
				if err != nil {
					return fmt.Errorf("%s: %w", f.name, err)
				}
				a, err := coldStart(ctx, rieBin, f.bin, envFor(f, true), ev, f.name == routes.AuthorizerFunction, *timeout)
				if err != nil {
					failures = append(failures, fmt.Sprintf("%s with secrets by ARN (round %d): %v", f.name, r+1, err))
					continue
				}
				f.arn = append(f.arn, a)
			}
		}
		fmt.Fprintf(os.Stderr, "bench cold: round %d of %d done\n", r+1, *rounds)
	}

	fmt.Printf("\n### make bench-cold, %s: %d interleaved rounds, linux/%s bootstraps under aws-lambda-rie\n\n",
		time.Now().UTC().Format("2006-01-02"), *rounds, runtime.GOARCH)
	fmt.Print(coldTable(fns, *secrets).Markdown())
	var allHello []float64
	for _, f := range fns {
		allHello = append(allHello, firsts(f.hello)...)
	}
	lo, hi := bench.MinMax(allHello)
	fmt.Printf("\nhello-world (%d starts, one before each function's): median %s, spread %s.\n",
		len(allHello), bench.Duration(bench.Median(allHello)), bench.Spread(lo, hi))
	fmt.Println("Cold start: process start → the first invocation's answer (the emulator's start, the bootstrap's init, the first event).")
	fmt.Println("vs hello: the median of each round's ratio to the hello-world start just before it.")
	if *secrets {
		fmt.Printf("Secrets by ARN: LATCHKEY_*_ARN settings read at init from a local Secrets Manager stand-in (%d GetSecretValue calls; answers delayed %v). "+
			"On AWS add the round trips to the regional endpoint: measure them there, or rerun with -secrets-delay.\n", sm.calls.Load(), *secretsDelay)
	}
	if *secrets {
		t, err := secretsAlone(ctx, sm, arnPrefix, 25)
		if err != nil {
			return err
		}
		fmt.Printf("\nThe secrets' part measured alone, in this process (the SDK's configuration, the client, the concurrent GetSecretValue calls of internal/secrets.Resolve against the stand-in; 25 times each):\n\n")
		fmt.Print(t.Markdown())
	}
	if len(failures) > 0 {
		fmt.Printf("\n%d cold starts failed:\n", len(failures))
		for _, f := range failures {
			fmt.Println("- " + f)
		}
		return fmt.Errorf("%d cold starts failed", len(failures))
	}
	return nil
}

// coldTable is the table bench cold ends with.
func coldTable(fns []coldFunc, secrets bool) bench.Table {
	t := bench.Table{Header: []string{"function", "answer", "cold start (median)", "spread (min–max)", "vs hello", "warm invoke"}}
	if secrets {
		t.Header = append(t.Header, "with secrets by ARN", "secrets' cost (median of differences)")
	}
	for _, f := range fns {
		p := firsts(f.plain)
		lo, hi := bench.MinMax(p)
		row := []string{f.name, statuses(append(slices.Clone(f.plain), f.arn...)), bench.Duration(bench.Median(p)), bench.Spread(lo, hi),
			bench.Ratio(bench.Median(bench.Ratios(p, firsts(f.hello)))), bench.Duration(bench.Median(warms(f.plain)))}
		if secrets {
			a := firsts(f.arn)
			var diffs []float64
			for i := range min(len(a), len(p)) {
				diffs = append(diffs, a[i]-p[i])
			}
			d := bench.Median(diffs)
			cost := bench.Duration(d)
			if d < 0 {
				cost = "−" + bench.Duration(-d) + " (noise)"
			}
			row = append(row, bench.Duration(bench.Median(a)), cost)
		}
		t.Add(row...)
	}
	return t
}

func firsts(rs []coldResult) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.first.Seconds()
	}
	return out
}

func warms(rs []coldResult) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = r.warm.Seconds()
	}
	return out
}

// statuses lists the distinct answers of a function's starts.
func statuses(rs []coldResult) string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if !seen[r.status] {
			seen[r.status] = true
			out = append(out, r.status)
		}
	}
	if len(out) == 0 {
		return "—"
	}
	return strings.Join(out, ", ")
}

// coldFunctions lists the bootstraps to start, each with its fixture
// event; the authorizer first (its fixture also serves the hello-world).
func coldFunctions(dir, only, eventsDir string) ([]coldFunc, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("bootstraps: %w (make bench-cold builds them)", err)
	}
	signIn := map[string]bool{}
	for _, r := range routes.Table {
		if r.SignIn {
			signIn[r.Function] = true
		}
	}
	var want map[string]bool
	if only != "" {
		want = map[string]bool{}
		for _, n := range strings.Split(only, ",") {
			if n = strings.TrimSpace(n); n != "" {
				want[n] = true
			}
		}
	}
	var out []coldFunc
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == helloName || (want != nil && !want[name]) {
			continue
		}
		delete(want, name)
		ev, err := fixtureEvent(eventsDir, name)
		if err != nil {
			return nil, err
		}
		out = append(out, coldFunc{name: name, bin: filepath.Join(dir, name), event: ev, signIn: signIn[name]})
	}
	if len(want) > 0 {
		var missing []string
		for n := range want {
			missing = append(missing, n)
		}
		sort.Strings(missing)
		return nil, fmt.Errorf("-only: no bootstrap in %s for %s", dir, strings.Join(missing, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no bootstraps in %s", dir)
	}
	sort.SliceStable(out, func(i, j int) bool {
		ai, aj := out[i].name == routes.AuthorizerFunction, out[j].name == routes.AuthorizerFunction
		if ai != aj {
			return ai
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

// fixtureEvent reads the function's preferred fixture, or its first.
func fixtureEvent(eventsDir, name string) ([]byte, error) {
	dir := filepath.Join(eventsDir, name)
	file := preferredEvent[name]
	if file == "" {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(matches) == 0 {
			return nil, fmt.Errorf("%s: no fixture event in %s", name, dir)
		}
		sort.Strings(matches)
		file = filepath.Base(matches[0])
	}
	raw, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return raw, nil
}

// withHeader adds a header to a REST API event (both header maps), as
// CloudFront adds the origin header before API Gateway builds the event.
func withHeader(event []byte, name, value string) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(event, &ev); err != nil {
		return nil, fmt.Errorf("fixture event: %w", err)
	}
	h, _ := ev["headers"].(map[string]any)
	if h == nil {
		h = map[string]any{}
	}
	h[name] = value
	ev["headers"] = h
	mh, _ := ev["multiValueHeaders"].(map[string]any)
	if mh == nil {
		mh = map[string]any{}
	}
	mh[name] = []string{value}
	ev["multiValueHeaders"] = mh
	return json.Marshal(ev)
}

// coldStart starts the emulator with bin as its bootstrap, in env alone,
// and times process start → the first invocation's answer; then a second
// invocation (warm). It stops the emulator and the bootstrap before it
// returns.
func coldStart(ctx context.Context, rie, bin string, env []string, event []byte, authorizer bool, timeout time.Duration) (coldResult, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return coldResult{}, err
	}
	var res coldResult
	for range 3 { // another process may take a port between choosing and binding it
		apiPort, err1 := testproc.FreePort()
		rtPort, err2 := testproc.FreePort()
		if err := errors.Join(err1, err2); err != nil {
			return coldResult{}, err
		}
		api := net.JoinHostPort("127.0.0.1", strconv.Itoa(apiPort))
		rt := net.JoinHostPort("127.0.0.1", strconv.Itoa(rtPort))
		// Both addresses on loopback: without them the emulator listens on
		// every address (../shared/TOOLING.md).
		cmd := exec.Command(rie, "--runtime-interface-emulator-address", api, "--runtime-api-address", rt, abs)
		cmd.Env = env
		cmd.Dir = filepath.Dir(abs)
		start := time.Now()
		c, err := startChild("aws-lambda-rie", cmd)
		if err != nil {
			return coldResult{}, err
		}
		res, err = invokeFirst(ctx, c, rt, "http://"+api+"/2015-03-31/functions/function/invocations", event, authorizer, start, timeout)
		c.stop()
		if err != nil && strings.Contains(c.out.String(), "address already in use") {
			continue
		}
		if err != nil {
			return coldResult{}, fmt.Errorf("%w; emulator output:\n%s", err, tail(c.out.String(), 2000))
		}
		return res, nil
	}
	return coldResult{}, errors.New("the emulator's ports were taken on every try")
}

// invokeFirst posts the event until the emulator answers, then once more.
// The first post waits until the emulator's runtime API (rt) accepts
// connections as well: the emulator starts the bootstrap on the first
// invocation, and a bootstrap started before that listener is up exits
// (seen on this machine under load).
func invokeFirst(ctx context.Context, c *child, rt, url string, event []byte, authorizer bool, start time.Time, timeout time.Duration) (coldResult, error) {
	client := &http.Client{Timeout: timeout}
	deadline := start.Add(timeout)
	err := c.retry(ctx, deadline, "its runtime API to listen", func() error {
		conn, err := net.DialTimeout("tcp", rt, timeout)
		if err == nil {
			conn.Close()
		}
		return err
	})
	if err != nil {
		return coldResult{}, err
	}
	post := func() (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(event))
		if err != nil {
			return 0, nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		return resp.StatusCode, body, err
	}
	var code int
	var body []byte
	err = c.retry(ctx, deadline, "an answer", func() (err error) {
		code, body, err = post() // an error: not listening yet
		return err
	})
	if err != nil {
		return coldResult{}, err
	}
	first := time.Since(start)
	status, err := answerStatus(code, body, authorizer)
	if err != nil {
		return coldResult{}, err
	}
	t := time.Now()
	if code, body, err = post(); err != nil {
		return coldResult{}, fmt.Errorf("warm invocation: %w", err)
	}
	warm := time.Since(t)
	if _, err := answerStatus(code, body, authorizer); err != nil {
		return coldResult{}, fmt.Errorf("warm invocation: %w", err)
	}
	return coldResult{first: first, warm: warm, status: status}, nil
}

// retry calls try every millisecond until it succeeds, for what (in its
// errors) the emulator c is to give: it gives up when ctx ends, when the
// emulator exits, or at deadline.
func (c *child) retry(ctx context.Context, deadline time.Time, what string, try func() error) error {
	for {
		err := try()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !c.running():
			return fmt.Errorf("the emulator exited while waiting for %s", what)
		case time.Now().After(deadline):
			return fmt.Errorf("timed out waiting for %s: %w", what, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// answerStatus checks that an answer is the function's own (an API
// Gateway proxy answer; for the authorizer, a policy or its Unauthorized)
// and not a failed start, and says what it was.
func answerStatus(code int, body []byte, authorizer bool) (string, error) {
	var a struct {
		StatusCode   int    `json:"statusCode"`
		PrincipalID  string `json:"principalId"`
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &a) != nil {
		return "", fmt.Errorf("the emulator answered %d: %s", code, tail(string(body), 500))
	}
	switch {
	case authorizer && a.PrincipalID != "":
		return "policy", nil
	case authorizer && a.ErrorMessage == "Unauthorized":
		return "Unauthorized", nil
	case !authorizer && a.StatusCode != 0 && a.ErrorType == "":
		return strconv.Itoa(a.StatusCode), nil
	}
	return "", fmt.Errorf("not the function's answer (a failed start?): %s", tail(string(body), 500))
}

// seedDynalite creates the tables and loads the seeded and fixture data;
// the function it returns loads them again (what is missing is put back).
func seedDynalite(ctx context.Context, db *dynalitetest.Server) (func() error, error) {
	client := db.Client()
	const prefix = "latchkey-" // config's default LATCHKEY_TABLE_PREFIX
	if err := dynamo.CreateTables(ctx, client, prefix); err != nil {
		return nil, err
	}
	stores := dynamo.New(client, prefix).Stores()
	load := func() error {
		if err := seed.Load(ctx, stores); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if err := seed.LoadFixtures(ctx, stores, config.EnvTest); err != nil {
			return fmt.Errorf("fixtures: %w", err)
		}
		return nil
	}
	return load, load()
}

// findRIE finds the emulator, or says how to install it.
func findRIE(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p, nil
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		for _, gp := range filepath.SplitList(strings.TrimSpace(string(out))) {
			p := filepath.Join(gp, "bin", "aws-lambda-rie")
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("the AWS Lambda runtime interface emulator is not installed; install it with\n  %s", rieInstall)
}

func randomText(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b)[:n], nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// secretsAlone times what a cold start does to read its secrets by ARN —
// load the AWS configuration, make the Secrets Manager client, read the
// secrets (internal/secrets, as internal/app's cold start does) — n times
// in this process, against the stand-in: for an API function (the origin
// secret) and a sign-in function (three secrets). The cold starts above
// hold the same cost inside their noise.
func secretsAlone(ctx context.Context, sm *secretsStandIn, arnPrefix string, n int) (bench.Table, error) {
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL(), "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	} {
		if err := os.Setenv(k, v); err != nil {
			return bench.Table{}, err
		}
	}
	t := bench.Table{Header: []string{"secrets read at init", "first", "median of the rest", "spread (min–max)"}}
	for _, c := range []struct {
		name string
		cfg  config.Config
	}{
		{"API function or authorizer: the origin secret (1)", config.Config{OriginSecretARN: arnPrefix + "origin"}},
		{"sign-in function: origin, client secret, login key (3)", config.Config{OriginSecretARN: arnPrefix + "origin",
			OIDCClientSecretARN: arnPrefix + "oidc", LoginKeyARN: arnPrefix + "login"}},
	} {
		var times []float64
		for range n {
			cfg := c.cfg
			start := time.Now()
			client, err := secrets.NewClient(ctx)
			if err == nil {
				err = secrets.Resolve(ctx, client, &cfg)
			}
			if err != nil {
				return bench.Table{}, fmt.Errorf("secrets through the stand-in: %w", err)
			}
			times = append(times, time.Since(start).Seconds())
		}
		lo, hi := bench.MinMax(times[1:])
		t.Add(c.name, bench.Duration(times[0]), bench.Duration(bench.Median(times[1:])), bench.Spread(lo, hi))
	}
	return t, nil
}
