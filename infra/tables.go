package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/store"
)

// newTables creates every table of store.Tables — the same definitions the
// DynamoDB store and its tests create locally — on demand, with
// point-in-time recovery, encryption under the AWS-managed key, the TTL
// attribute the table names, and its indexes, each carrying the attributes
// the schema says its queries read (store.Index.Include), or all of them.
// Every key attribute is a string. Names are prefix + logical name, as the
// functions compute them from LATCHKEY_TABLE_PREFIX.
func newTables(scope constructs.Construct, s Settings) map[store.TableName]awsdynamodb.Table {
	c := constructs.NewConstruct(scope, jsii.String("Tables"))
	out := map[store.TableName]awsdynamodb.Table{}
	for _, def := range store.Tables {
		props := &awsdynamodb.TableProps{
			TableName:    jsii.String(s.TablePrefix + string(def.Name)),
			PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(def.PartitionKey), Type: awsdynamodb.AttributeType_STRING},
			BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
			Encryption:   awsdynamodb.TableEncryption_AWS_MANAGED,
			PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
				PointInTimeRecoveryEnabled: jsii.Bool(true),
			},
			// Retained tables are also protected from deletion by hand.
			DeletionProtection: jsii.Bool(s.Retain),
			RemovalPolicy:      removalPolicy(s),
		}
		if def.TTLAttribute != "" {
			props.TimeToLiveAttribute = jsii.String(def.TTLAttribute)
		}
		t := awsdynamodb.NewTable(c, jsii.String(logicalName(string(def.Name))), props)
		for _, ix := range def.Indexes {
			gsi := &awsdynamodb.GlobalSecondaryIndexProps{
				IndexName:      jsii.String(ix.Name),
				PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(ix.PartitionKey), Type: awsdynamodb.AttributeType_STRING},
				ProjectionType: awsdynamodb.ProjectionType_ALL,
			}
			if len(ix.Include) > 0 {
				gsi.ProjectionType = awsdynamodb.ProjectionType_INCLUDE
				gsi.NonKeyAttributes = jsii.Strings(def.NonKeyAttributes(ix)...)
			}
			if ix.SortKey != "" {
				gsi.SortKey = &awsdynamodb.Attribute{Name: jsii.String(ix.SortKey), Type: awsdynamodb.AttributeType_STRING}
			}
			t.AddGlobalSecondaryIndex(gsi)
		}
		out[def.Name] = t
	}
	return out
}

// removalPolicy is what deleting the stack does to stored data.
func removalPolicy(s Settings) awscdk.RemovalPolicy {
	if s.Retain {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}
