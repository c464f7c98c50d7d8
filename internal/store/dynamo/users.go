package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/latchkey/latchkey/internal/store"
)

// Users is the DynamoDB UserStore.
type Users DB

var _ store.UserStore = (*Users)(nil)

// userRecord is a user's item.
type userRecord struct {
	ID        string   `dynamodbav:"id"`
	Issuer    string   `dynamodbav:"issuer,omitempty"`
	Subject   string   `dynamodbav:"subject,omitempty"`
	Email     string   `dynamodbav:"email,omitempty"`
	Name      string   `dynamodbav:"name,omitempty"`
	Roles     []string `dynamodbav:"roles,omitempty"`
	Grants    []string `dynamodbav:"roleGrants,omitempty"`
	CreatedAt string   `dynamodbav:"createdAt"`
	UpdatedAt string   `dynamodbav:"updatedAt"`
}

// profileAttributes are what an upsert overwrites; id is the key and
// createdAt is kept from the first write.
var profileAttributes = []string{"issuer", "subject", "email", "name", "roles", "roleGrants", "updatedAt"}

func (r userRecord) user() (store.User, error) {
	var p timeParser
	u := store.User{
		ID: r.ID, Issuer: r.Issuer, Subject: r.Subject, Email: r.Email, Name: r.Name, Roles: r.Roles, RoleGrants: r.Grants,
		CreatedAt: p.time(r.CreatedAt), UpdatedAt: p.time(r.UpdatedAt),
	}
	return u, p.err
}

// Upsert implements store.UserStore. It is one UpdateItem, so two concurrent
// first sign-ins converge on one user and the first CreatedAt.
func (s *Users) Upsert(ctx context.Context, u store.User) (store.User, error) {
	db := (*DB)(s)
	rec := userRecord{
		ID: u.ID, Issuer: u.Issuer, Subject: u.Subject, Email: u.Email, Name: u.Name, Roles: u.Roles, Grants: u.RoleGrants,
		CreatedAt: store.SortTime(u.CreatedAt), UpdatedAt: store.SortTime(u.UpdatedAt),
	}
	item, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return store.User{}, fmt.Errorf("upsert user %s: %w", u.ID, err)
	}
	createdAt := expression.Name("createdAt")
	update := expression.Set(createdAt, expression.IfNotExists(createdAt, expression.Value(item["createdAt"])))
	for _, a := range profileAttributes {
		// An empty field is omitted from the record, so it clears the old value.
		if v, ok := item[a]; ok {
			update = update.Set(expression.Name(a), expression.Value(v))
		} else {
			update = update.Remove(expression.Name(a))
		}
	}
	e, err := expression.NewBuilder().WithUpdate(update).Build()
	if err != nil {
		return store.User{}, fmt.Errorf("upsert user %s: %w", u.ID, err)
	}
	out, err := db.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 db.table(store.UsersTable),
		Key:                       idKey(u.ID),
		UpdateExpression:          e.Update(),
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return store.User{}, fmt.Errorf("upsert user %s: %w", u.ID, err)
	}
	var stored userRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &stored); err != nil {
		return store.User{}, fmt.Errorf("upsert user %s: %w", u.ID, err)
	}
	got, err := stored.user()
	if err != nil {
		return store.User{}, fmt.Errorf("upsert user %s: %w", u.ID, err)
	}
	return got, nil
}

// Get implements store.UserStore.
func (s *Users) Get(ctx context.Context, id string) (store.User, error) {
	return getByID(ctx, (*DB)(s), store.UsersTable, idKey, "user", id, userRecord.user)
}
