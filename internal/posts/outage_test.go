package posts

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/latchkey/latchkey/internal/deps"
	"github.com/latchkey/latchkey/internal/deps/depstest"
	"github.com/latchkey/latchkey/internal/httpx"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/store/dynamo"
)

// brokenPosts fails every listing with err.
type brokenPosts struct {
	store.PostStore
	err error
}

func (b brokenPosts) ListPublished(context.Context, store.Page) ([]store.Post, string, error) {
	return nil, "", b.err
}

// TestStoreOutageAnswers503: a store that cannot be reached (DynamoDB's
// address refusing connections) or is throttling answers 503 with
// Retry-After, which a client may retry; a store fault of any other kind
// stays a 500 without detail.
func TestStoreOutageAnswers503(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	client := dynamodb.New(dynamodb.Options{BaseEndpoint: aws.String(closed), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", ""), RetryMaxAttempts: 1})
	down := dynamo.New(client, "t-").Stores().Posts
	tests := []struct {
		name  string
		posts store.PostStore
		want  int
	}{
		{"DynamoDB unreachable", down, 503},
		{"DynamoDB throttling", brokenPosts{err: coded("ProvisionedThroughputExceededException")}, 503},
		{"another store fault", brokenPosts{err: errors.New("unmarshal: bad attribute")}, 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := deps.Deps{Stores: store.Stores{Posts: tc.posts}}
			resp, err := httpx.Adapt(slog.New(slog.DiscardHandler), depstest.Build(t, PublicList, d))(context.Background(), httpx.Request{HTTPMethod: "GET"})
			if err != nil || resp.StatusCode != tc.want {
				t.Fatalf("= %d %s, %v; want %d", resp.StatusCode, resp.Body, err, tc.want)
			}
			if (resp.Headers["Retry-After"] != "") != (tc.want == 503) {
				t.Fatalf("Retry-After = %q; want one exactly on 503", resp.Headers["Retry-After"])
			}
		})
	}
}

// codedErr is an error with an AWS error code, as the SDK's errors have.
type codedErr string

func (c codedErr) Error() string     { return string(c) }
func (c codedErr) ErrorCode() string { return string(c) }

func coded(code string) error { return codedErr(code) }
