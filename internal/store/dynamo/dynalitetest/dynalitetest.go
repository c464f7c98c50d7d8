// Package dynalitetest runs dynalite, an in-memory DynamoDB-compatible
// server, on loopback for tests, so that the DynamoDB store is tested against
// a real server rather than a mock. dynalite comes from the repository's
// package.json (`make deps` runs npm ci).
package dynalitetest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/latchkey/latchkey/internal/testproc"
)

// startTimeout bounds how long Start waits for the server to listen.
const startTimeout = 15 * time.Second

// Server is a running dynalite process.
type Server struct {
	// Endpoint is the server's base URL, http://127.0.0.1:<port>.
	Endpoint string

	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	output *testproc.Output
}

// Start runs dynalite on a free loopback port and returns once it accepts
// connections. It is meant for TestMain; stop the server with Close.
func Start() (*Server, error) {
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
	// The port is free when chosen but may be taken before dynalite binds
	// it; dynalite then exits at once, and another port is tried.
	for range 5 {
		port, err := testproc.FreePort()
		if err != nil {
			return nil, fmt.Errorf("start dynalite: %w", err)
		}
		s, err := start(node, script, port)
		if errors.Is(err, errExited) {
			continue
		}
		return s, err
	}
	return nil, errors.New("start dynalite: it exited at once on every port tried")
}

var errExited = errors.New("dynalite exited")

func start(node, script string, port int) (*Server, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// Run the script with node itself, not through npx, so that the PID
	// killed is dynalite's. --host keeps it off every other interface.
	cmd := exec.Command(node, script, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	cmd.SysProcAttr = testproc.ProcAttr()
	out := &testproc.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	s := &Server{Endpoint: "http://" + addr, cmd: cmd, exited: make(chan struct{}), output: out}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()

	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%w on port %d: %s", errExited, port, out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = s.Close()
	return nil, fmt.Errorf("start dynalite: not listening on %s after %v; output:\n%s", addr, startTimeout, out.String())
}

// Close kills the server by its PID and waits for it to exit.
func (s *Server) Close() error {
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop dynalite: %w", err)
	}
	<-s.exited
	return nil
}

// Output returns what the server has printed so far.
func (s *Server) Output() string { return s.output.String() }

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
