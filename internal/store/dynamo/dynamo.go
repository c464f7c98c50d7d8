// Package dynamo implements the store interfaces on Amazon DynamoDB, with the
// table layout of store.Tables.
//
// Every write is a single conditional write; there are no transactions (the
// local test server, dynalite, has none) and no scans. Where one change needs
// several writes — an API key and the pointers from its secrets' hashes — they
// are ordered so that a failure between them never lets a secret work that
// the key's record does not allow: the record is authoritative, pointers only
// find it. Times are stored as store.SortTime strings, so that index sort keys
// order as the times do.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// DB is a set of Latchkey tables in one DynamoDB account and region. Each
// store is a view on it.
type DB struct {
	client *dynamodb.Client
	prefix string
	log    *slog.Logger
}

// New returns the tables named prefix + store.Tables' names, reached through
// client. It does not touch the network; see CreateTables for tests and local
// runs. Best-effort clean-up failures are logged to slog.Default unless
// WithLogger names another logger.
func New(client *dynamodb.Client, prefix string) *DB {
	return &DB{client: client, prefix: prefix}
}

// WithLogger returns a copy of db that logs to l.
func (db *DB) WithLogger(l *slog.Logger) *DB {
	c := *db
	c.log = l
	return &c
}

// Stores returns the stores backed by db.
func (db *DB) Stores() store.Stores {
	return store.Stores{
		Users:       (*Users)(db),
		Keys:        (*Keys)(db),
		Sessions:    (*Sessions)(db),
		Posts:       (*Posts)(db),
		SecurityLog: (*SecurityLog)(db),
	}
}

// NewClient returns a DynamoDB client configured from the environment (the
// default AWS configuration chain). A non-empty endpoint points it at a local
// DynamoDB-compatible server such as dynalite, as LATCHKEY_DYNAMODB_ENDPOINT
// does for `make dev`: such a server checks no signature, so the client then
// signs with dummy credentials and defaults the region to us-east-1, and a
// developer needs no AWS configuration at all.
func NewClient(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	var opts []func(*config.LoadOptions) error
	if endpoint != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if endpoint != "" && cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

func (db *DB) logger() *slog.Logger {
	if db.log != nil {
		return db.log
	}
	return slog.Default()
}

// table returns the deployed name of a table.
func (db *DB) table(n store.TableName) *string {
	return aws.String(db.prefix + string(n))
}

// get reads one item with a strongly consistent read into out and reports
// whether it exists.
func (db *DB) get(ctx context.Context, t store.TableName, key map[string]types.AttributeValue, out any) (bool, error) {
	item, err := db.item(ctx, t, key)
	if err != nil || item == nil {
		return false, err
	}
	return true, attributevalue.UnmarshalMap(item, out)
}

// getAs reads one item with a strongly consistent read as a record of type
// R and turns it into a T by conv; store.ErrNotFound when there is none.
func getAs[R, T any](ctx context.Context, db *DB, t store.TableName, key map[string]types.AttributeValue, conv func(R) (T, error)) (T, error) {
	var rec R
	ok, err := db.get(ctx, t, key, &rec)
	if err == nil && !ok {
		err = store.ErrNotFound
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return conv(rec)
}

// getByID is getAs for a store's Get: the item of id under key(id), an
// error saying which ("get post post_…: not found").
func getByID[R, T any](ctx context.Context, db *DB, t store.TableName, key func(string) map[string]types.AttributeValue, what, id string, conv func(R) (T, error)) (T, error) {
	v, err := getAs(ctx, db, t, key(id), conv)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("get %s %s: %w", what, id, err)
	}
	return v, nil
}

// item reads one item with a strongly consistent read; nil when there is none.
func (db *DB) item(ctx context.Context, t store.TableName, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	res, err := db.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      db.table(t),
		Key:            key,
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	return res.Item, nil
}

// putNew writes item unless an item with the same key exists; a conflict
// comes back as a failed condition (see conditionFailed) carrying the
// existing item where the server supports that.
func (db *DB) putNew(ctx context.Context, t store.TableName, item map[string]types.AttributeValue, keyAttr string) error {
	return db.putIf(ctx, t, item, expression.AttributeNotExists(expression.Name(keyAttr)))
}

// putIf writes item if cond holds; a failed condition carries the item as
// it was (see conditionFailed).
func (db *DB) putIf(ctx context.Context, t store.TableName, item map[string]types.AttributeValue, cond expression.ConditionBuilder) error {
	e, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return err
	}
	_, err = db.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           db.table(t),
		Item:                                item,
		ConditionExpression:                 e.Condition(),
		ExpressionAttributeNames:            e.Names(),
		ExpressionAttributeValues:           e.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// deleteIf deletes the item under key if cond holds, and returns it as it
// was; a failed condition carries the item as it was (see conditionFailed).
func (db *DB) deleteIf(ctx context.Context, t store.TableName, key map[string]types.AttributeValue, cond expression.ConditionBuilder) (map[string]types.AttributeValue, error) {
	e, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return nil, err
	}
	out, err := db.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                           db.table(t),
		Key:                                 key,
		ConditionExpression:                 e.Condition(),
		ExpressionAttributeNames:            e.Names(),
		ExpressionAttributeValues:           e.Values(),
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return nil, err
	}
	return out.Attributes, nil
}

// deleteOwned deletes the item under key if its userId is userID, and
// returns it as it was; store.ErrNotFound when there is none of theirs.
func (db *DB) deleteOwned(ctx context.Context, t store.TableName, key map[string]types.AttributeValue, userID string) (map[string]types.AttributeValue, error) {
	item, err := db.deleteIf(ctx, t, key, expression.Name("userId").Equal(expression.Value(userID)))
	if _, ok := conditionFailed(err); ok {
		return nil, store.ErrNotFound
	}
	return item, err
}

// conditionFailed reports whether err is a failed write condition, and
// returns the item as it was when DynamoDB returned it (with
// ReturnValuesOnConditionCheckFailure ALL_OLD). The item is nil when the
// server does not support that option (dynalite) or when there was no item;
// callers that must tell the two apart read the item again.
func conditionFailed(err error) (map[string]types.AttributeValue, bool) {
	var e *types.ConditionalCheckFailedException
	if !errors.As(err, &e) {
		return nil, false
	}
	return e.Item, true
}

// existed tells, after a failed condition, whether the item was there:
// from the item DynamoDB returned with the failure when it did, otherwise
// from a consistent read.
func (db *DB) existed(ctx context.Context, t store.TableName, key, old map[string]types.AttributeValue) (bool, error) {
	if len(old) > 0 {
		return true, nil
	}
	item, err := db.item(ctx, t, key)
	return item != nil, err
}

// cleanupContext returns a context for best-effort clean-up after a failure:
// it survives the caller's cancellation, which is often why the step before
// failed, but not for long.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// avString returns a string attribute's value, or "" when it is absent or not a
// string.
func avString(av types.AttributeValue) string {
	if s, ok := av.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// idKey is the key of an item in the tables keyed by "id": users,
// sessions, posts and the security log.
func idKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": stringAV(id)}
}

// stringAV wraps a string as an attribute value.
func stringAV(v string) types.AttributeValue {
	return &types.AttributeValueMemberS{Value: v}
}

// timeLayout is the layout of store.SortTime, to parse stored times back.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// formatOptTime formats an optional time; nil becomes "" so that the
// attribute is omitted.
func formatOptTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return store.SortTime(*t)
}

// timeParser parses a record's stored times, keeping the first error so
// that a conversion reads as a list of fields.
type timeParser struct{ err error }

func (p *timeParser) time(v string) time.Time {
	t, err := time.Parse(timeLayout, v)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("stored time %q: %w", v, err)
	}
	return t
}

// optional parses an optional time; an absent attribute gives nil.
func (p *timeParser) optional(v string) *time.Time {
	if v == "" {
		return nil
	}
	t := p.time(v)
	return &t
}

// updateExisting applies update to the item at key only if it exists
// (keyAttr is its partition key attribute); ErrNotFound otherwise.
func (db *DB) updateExisting(ctx context.Context, t store.TableName, key map[string]types.AttributeValue, keyAttr string, update expression.UpdateBuilder) error {
	e, err := expression.NewBuilder().
		WithUpdate(update).
		WithCondition(expression.AttributeExists(expression.Name(keyAttr))).
		Build()
	if err != nil {
		return err
	}
	_, err = db.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 db.table(t),
		Key:                       key,
		UpdateExpression:          e.Update(),
		ConditionExpression:       e.Condition(),
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
	})
	if _, ok := conditionFailed(err); ok {
		return store.ErrNotFound
	}
	return err
}
