package dynamo

import (
	"context"
	"errors"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
)

// TestCountRefusesAProjection: DynamoDB refuses a Query with Select COUNT
// and a ProjectionExpression ("Query", Select, Amazon DynamoDB API
// Reference), which dynalite lets through, so count refuses the pair
// itself, before any request: a count written with a listing's attributes
// fails in the tests as it would on AWS.
func TestCountRefusesAProjection(t *testing.T) {
	l := listing{table: store.PostsTable, index: store.IndexByAuthor, partition: "authorId", value: "usr_a",
		sort: "createdAt", key: idKey, attributes: store.PostListing}
	// No client: the refusal comes before any request.
	if _, err := count(context.Background(), &DB{}, l); !errors.Is(err, errCountProjection) {
		t.Fatalf("count = %v; want %v", err, errCountProjection)
	}
}
