package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// listing is a newest-first query on one partition of an index.
type listing struct {
	table store.TableName
	index string
	// partition is the index's partition attribute and value: always the
	// store's own, never taken from a cursor.
	partition, value string
	// sort is the index's sort attribute, a store.SortTime string.
	sort string
	// key returns the table key of the item with this ID.
	key func(id string) map[string]types.AttributeValue
	// attributes, when set, are the only ones the query reads: those the
	// index carries (store.Index.Include).
	attributes []string
	// filter, when set, drops items after they are read (a DynamoDB filter
	// expression): list keeps querying until the page is full or the
	// partition ends, so a page is as full as without it.
	filter *expression.ConditionBuilder
}

// input returns the query on the listing's partition, newest first.
func (l listing) input(db *DB) (*dynamodb.QueryInput, error) {
	b := expression.NewBuilder().WithKeyCondition(expression.Key(l.partition).Equal(expression.Value(l.value)))
	if len(l.attributes) > 0 {
		names := make([]expression.NameBuilder, len(l.attributes))
		for i, a := range l.attributes {
			names[i] = expression.Name(a)
		}
		b = b.WithProjection(expression.NamesList(names[0], names[1:]...))
	}
	if l.filter != nil {
		b = b.WithFilter(*l.filter)
	}
	e, err := b.Build()
	if err != nil {
		return nil, err
	}
	return &dynamodb.QueryInput{
		TableName:                 db.table(l.table),
		IndexName:                 aws.String(l.index),
		KeyConditionExpression:    e.KeyCondition(),
		ProjectionExpression:      e.Projection(),
		FilterExpression:          e.Filter(),
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ScanIndexForward:          aws.Bool(false),
	}, nil
}

// startKey turns a client's cursor into where the query resumes: the table
// key of the last item returned plus the index key, with the listing's own
// partition.
func (l listing) startKey(cursor string) (map[string]types.AttributeValue, error) {
	pos, err := store.DecodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	// Every sort attribute is a SortTime; anything else was not issued here
	// and would only come back from DynamoDB as a validation error.
	if _, err := time.Parse(timeLayout, pos.Sort); err != nil {
		return nil, fmt.Errorf("%w: malformed position", store.ErrBadCursor)
	}
	start := l.key(pos.ID)
	start[l.partition] = stringAV(l.value)
	start[l.sort] = stringAV(pos.Sort)
	return start, nil
}

// list returns one page of the listing, each item read as a record of type
// R and turned into a T by conv. It queries one item more than the page
// holds, so that it returns a next cursor only when another item follows,
// and keeps querying while DynamoDB returns short pages (its 1 MB limit)
// with more to come.
func list[R, T any](ctx context.Context, db *DB, l listing, p store.Page, conv func(R) (T, error)) ([]T, string, error) {
	in, err := l.input(db)
	if err != nil {
		return nil, "", err
	}
	if p.Cursor != "" {
		if in.ExclusiveStartKey, err = l.startKey(p.Cursor); err != nil {
			return nil, "", err
		}
	}
	n := p.Size()
	var items []map[string]types.AttributeValue
	for {
		in.Limit = aws.Int32(int32(n + 1 - len(items)))
		out, err := db.client.Query(ctx, in)
		if err != nil {
			return nil, "", err
		}
		items = append(items, out.Items...)
		if len(items) > n || out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	next := ""
	if len(items) > n {
		items = items[:n]
		last := items[n-1]
		next = store.EncodeCursor(store.Position{Sort: avString(last[l.sort]), ID: avString(last["id"])})
	}
	recs := make([]R, 0, len(items))
	if err := attributevalue.UnmarshalListOfMaps(items, &recs); err != nil {
		return nil, "", err
	}
	out := make([]T, len(recs))
	for i, r := range recs {
		if out[i], err = conv(r); err != nil {
			return nil, "", fmt.Errorf("item %s: %w", avString(items[i]["id"]), err)
		}
	}
	return out, next, nil
}

// errCountProjection is count's refusal of a listing that names attributes.
var errCountProjection = errors.New("a count names no attributes: DynamoDB takes Select COUNT without a ProjectionExpression")

// count counts the items in the listing's partition, page by page: a Query
// stops after 1 MB with a LastEvaluatedKey, and its Count is that page's
// alone ("Counting the items in the results", Amazon DynamoDB Developer
// Guide, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Other.html).
// The listing must name no attributes: Query takes Select and a
// ProjectionExpression together only with Select SPECIFIC_ATTRIBUTES
// ("Query", Select, Amazon DynamoDB API Reference,
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html).
// dynalite lets the pair through, so count refuses it itself.
func count(ctx context.Context, db *DB, l listing) (int, error) {
	if len(l.attributes) > 0 {
		return 0, errCountProjection
	}
	in, err := l.input(db)
	if err != nil {
		return 0, err
	}
	in.Select = types.SelectCount
	n := 0
	for {
		out, err := db.client.Query(ctx, in)
		if err != nil {
			return 0, err
		}
		n += int(out.Count)
		if out.LastEvaluatedKey == nil {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
