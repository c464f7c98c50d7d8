package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// SecurityLog is the DynamoDB SecurityLogStore: one item per event, found
// by user through the byUser index, newest first.
type SecurityLog DB

var _ store.SecurityLogStore = (*SecurityLog)(nil)

// eventRecord is an event's item.
type eventRecord struct {
	ID      string            `dynamodbav:"id"`
	UserID  string            `dynamodbav:"userId"`
	At      string            `dynamodbav:"at"`
	Kind    string            `dynamodbav:"kind"`
	Details map[string]string `dynamodbav:"details,omitempty"`
	// TTL is SecurityEvent.ExpiresEpoch; omitted when zero, which
	// DynamoDB would read as 1970 and sweep at once.
	TTL int64 `dynamodbav:"ttl,omitempty"`
}

func (r eventRecord) event() (store.SecurityEvent, error) {
	var p timeParser
	e := store.SecurityEvent{ID: r.ID, UserID: r.UserID, At: p.time(r.At), Kind: r.Kind, Details: r.Details, ExpiresEpoch: r.TTL}
	return e, p.err
}

// Add implements store.SecurityLogStore. It is one PutItem, conditional on
// the id being new, that asks for nothing back: the functions that write
// the log are granted PutItem alone on its table (routes.Write), and never
// read an event, even one whose id they collide with.
func (s *SecurityLog) Add(ctx context.Context, e store.SecurityEvent) error {
	db := (*DB)(s)
	item, err := attributevalue.MarshalMap(eventRecord{
		ID: e.ID, UserID: e.UserID, At: store.SortTime(e.At), Kind: e.Kind, Details: e.Details, TTL: e.ExpiresEpoch,
	})
	if err != nil {
		return fmt.Errorf("add security event %s: %w", e.ID, err)
	}
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("id"))).Build()
	if err != nil {
		return fmt.Errorf("add security event %s: %w", e.ID, err)
	}
	_, err = db.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                db.table(store.SecurityLogTable),
		Item:                     item,
		ConditionExpression:      cond.Condition(),
		ExpressionAttributeNames: cond.Names(),
	})
	var taken *types.ConditionalCheckFailedException
	if errors.As(err, &taken) {
		return fmt.Errorf("add security event %s: %w", e.ID, store.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("add security event %s: %w", e.ID, err)
	}
	return nil
}

// List implements store.SecurityLogStore. DynamoDB's TTL sweep is a
// background process that may leave an expired item for days, and a query
// returns it until then, so the query filters out events whose ttl is
// before now ("Working with expired items", DynamoDB Developer Guide:
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html).
func (s *SecurityLog) List(ctx context.Context, userID string, now time.Time, p store.Page) ([]store.SecurityEvent, string, error) {
	live := expression.Or(
		expression.AttributeNotExists(expression.Name("ttl")),
		expression.Name("ttl").GreaterThanEqual(expression.Value(now.Unix())),
	)
	l := listing{table: store.SecurityLogTable, index: store.IndexByUser, partition: "userId", value: userID, sort: "at", key: idKey, filter: &live}
	out, next, err := list(ctx, (*DB)(s), l, p, eventRecord.event)
	if err != nil {
		return nil, "", fmt.Errorf("list security events of %s: %w", userID, err)
	}
	return out, next, nil
}
