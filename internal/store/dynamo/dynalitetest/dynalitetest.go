// Package dynalitetest runs dynalite, an in-memory DynamoDB-compatible
// server, on loopback for tests, so that the DynamoDB store is tested against
// a real server rather than a mock. dynalite comes from the repository's
// package.json (`make deps` runs npm ci).
package dynalitetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/latchkey/latchkey/internal/testproc"
)

// startTimeout bounds how long Start waits for the server to listen.
const startTimeout = 15 * time.Second

// Server is a running dynalite process.
type Server struct {
	// Endpoint is the server's base URL, http://127.0.0.1:<port>.
	Endpoint string

	node, script, path string
	port               int
	proc               *testproc.Proc
}

// Start runs dynalite on a free loopback port, its data in memory, and
// returns once it accepts connections. It is meant for TestMain; stop the
// server with Close.
func Start() (*Server, error) { return StartAt("") }

// StartAt is Start with the data kept in a LevelDB directory, so that the
// server can be stopped and started again (Restart) without losing it, as
// a real outage would. An empty dir keeps the data in memory.
func StartAt(dir string) (*Server, error) {
	root, err := testproc.RepoRoot()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(root, "node_modules", ".bin", "dynalite")
	if _, err := os.Stat(script); err != nil {
		return nil, errors.New("dynalite is not installed: run `make deps` (npm ci)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	// dynalite exits at once when the port was taken meanwhile, and
	// another port is tried.
	return testproc.OnFreePort("dynalite", func(port int) (*Server, error) {
		s := &Server{node: node, script: script, port: port, path: dir}
		if err := s.start(); err != nil {
			return nil, err
		}
		return s, nil
	})
}

// ForTest is Start for one test, which it skips under -short and fails if
// dynalite does not start; the server is closed when the test ends.
func ForTest(t testing.TB) *Server { return ForTestAt(t, "") }

// ForTestAt is ForTest with the data in dir, as StartAt.
func ForTestAt(t testing.TB, dir string) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("starts dynalite")
	}
	s, err := StartAt(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (s *Server) start() error {
	port := s.port
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// Run the script with node itself, not through npx, so that the PID
	// killed is dynalite's. --host keeps it off every other interface.
	args := []string{s.script, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"}
	if s.path != "" {
		args = append(args, "--path", s.path)
	}
	proc, err := testproc.Start("dynalite", addr, exec.Command(s.node, args...), testproc.Listening(addr), startTimeout)
	if err != nil {
		return err
	}
	s.Endpoint, s.proc = "http://"+addr, proc
	return nil
}

// Restart starts a stopped server again on the same port (and, from
// StartAt, over the same data).
func (s *Server) Restart() error {
	if !s.proc.Exited() {
		return errors.New("restart dynalite: it is still running")
	}
	return s.start()
}

// Close kills the server by its PID and waits for it to exit. A server
// started with StartAt can be started again with Restart.
func (s *Server) Close() error { return s.proc.Kill() }

// Output returns what the server has printed so far.
func (s *Server) Output() string { return s.proc.Output() }

// Client returns a DynamoDB client for the server: fixed region and dummy
// credentials, which dynalite accepts without checking, and nothing read
// from the environment or ~/.aws.
func (s *Server) Client() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(s.Endpoint),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// Outage is a client-side picture of the store failing in the middle of an
// operation, for tests that fail each step of a multi-write operation in
// turn. Calls are counted from 1 since Set; what happens from call From on
// depends on the Mode. From 0 is no outage.
type Outage struct {
	mu    sync.Mutex
	calls int
	from  int
	mode  Mode
}

// Mode is how the store fails at call From.
type Mode int

const (
	// Down: call From and every later call are refused before they are
	// sent, as by a stopped server.
	Down Mode = iota
	// LostThenDown: call From reaches the server and takes effect, its
	// answer is lost, and the server is down from then on.
	LostThenDown
	// Lost: only call From's answer is lost (a timeout after the write);
	// the server stays up, so the caller can look and see what happened.
	Lost
)

// Modes lists them, for tests that try each.
var Modes = []Mode{Down, LostThenDown, Lost}

func (m Mode) String() string {
	return [...]string{"down before call", "answer lost, then down, at call", "answer lost, store up, at call"}[m]
}

// Set starts counting again, with the outage at call from.
func (o *Outage) Set(from int, mode Mode) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls, o.from, o.mode = 0, from, mode
}

// Calls is the number of calls made since Set.
func (o *Outage) Calls() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.calls
}

// Wrap returns a copy of c whose calls go through o, with no retries (a
// retry would hide the step that failed).
func (o *Outage) Wrap(c *dynamodb.Client) *dynamodb.Client {
	return dynamodb.New(c.Options(), func(opts *dynamodb.Options) {
		opts.RetryMaxAttempts = 1
		opts.APIOptions = append(opts.APIOptions, o.add)
	})
}

// errAnswerLost stands for an answer that never came back.
var errAnswerLost = errors.New("the answer was lost: timeout awaiting response")

func (o *Outage) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("outage",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			o.mu.Lock()
			o.calls++
			at, after := o.from > 0 && o.calls == o.from, o.from > 0 && o.calls > o.from
			mode := o.mode
			o.mu.Unlock()
			switch {
			case at && mode != Down:
				out, md, _ := next.HandleInitialize(ctx, in)
				return out, md, errAnswerLost
			case (at && mode == Down) || (after && mode != Lost):
				return middleware.InitializeOutput{}, middleware.Metadata{},
					&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}
