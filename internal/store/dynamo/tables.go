package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// tableWait bounds how long CreateTables waits for a table to become active.
const tableWait = 2 * time.Minute

// CreateTables creates every table of store.Tables under prefix, on-demand,
// and waits until they are active. Tables that already exist are left as they
// are, so it is safe to call on every start of a local run. Production tables
// come from the infrastructure, not from here; TTL is not turned on (the
// local server cannot, and no code relies on the sweep).
func CreateTables(ctx context.Context, client *dynamodb.Client, prefix string) error {
	for _, t := range store.Tables {
		_, err := client.CreateTable(ctx, createTableInput(t, prefix))
		var inUse *types.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) {
			return fmt.Errorf("create table %s%s: %w", prefix, t.Name, err)
		}
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		// The defaults (20 s to 2 min between polls) suit a real deployment
		// poorly and a local server not at all.
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 5*time.Second
	})
	for _, t := range store.Tables {
		in := &dynamodb.DescribeTableInput{TableName: aws.String(prefix + string(t.Name))}
		if err := waiter.Wait(ctx, in, tableWait); err != nil {
			return fmt.Errorf("wait for table %s%s: %w", prefix, t.Name, err)
		}
	}
	return nil
}

// createTableInput returns the request that creates table t under prefix:
// on-demand billing, every key attribute a string, every index projecting
// the attributes the schema says it carries.
func createTableInput(t store.Table, prefix string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(prefix + string(t.Name)),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String(t.PartitionKey), KeyType: types.KeyTypeHash}},
	}
	defined := map[string]bool{}
	define := func(name string) {
		if !defined[name] {
			defined[name] = true
			in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
				AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS,
			})
		}
	}
	define(t.PartitionKey)
	for _, ix := range t.Indexes {
		define(ix.PartitionKey)
		schema := []types.KeySchemaElement{{AttributeName: aws.String(ix.PartitionKey), KeyType: types.KeyTypeHash}}
		if ix.SortKey != "" {
			define(ix.SortKey)
			schema = append(schema, types.KeySchemaElement{AttributeName: aws.String(ix.SortKey), KeyType: types.KeyTypeRange})
		}
		projection := &types.Projection{ProjectionType: types.ProjectionTypeAll}
		if len(ix.Include) > 0 {
			projection = &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: t.NonKeyAttributes(ix)}
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  schema,
			Projection: projection,
		})
	}
	return in
}
