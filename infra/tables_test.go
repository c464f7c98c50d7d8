package main

import (
	"slices"
	"testing"

	"github.com/latchkey/latchkey/internal/store"
)

// TestTables: every table of store.Tables, as the stores expect it: named
// prefix + name, keyed by its partition key (a string), on demand, with
// point-in-time recovery, encryption, its TTL attribute and its indexes
// with their projections (the post indexes carry no body);
// retained (and protected from deletion) unless the settings say not.
func TestTables(t *testing.T) {
	for _, tc := range deployments {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d(t)
			byName := map[string]map[string]any{}
			for _, r := range resources(d.tmpl, "AWS::DynamoDB::Table") {
				byName[props(r)["TableName"].(string)] = r
			}
			if len(byName) != len(store.Tables) {
				t.Errorf("%d tables; want %d", len(byName), len(store.Tables))
			}
			for _, def := range store.Tables {
				r, ok := byName[d.l.Settings.TablePrefix+string(def.Name)]
				if !ok {
					t.Errorf("no table %s%s", d.l.Settings.TablePrefix, def.Name)
					continue
				}
				p := props(r)
				if p["BillingMode"] != "PAY_PER_REQUEST" {
					t.Errorf("%s: billing %v; want on demand", def.Name, p["BillingMode"])
				}
				if get(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled") != true {
					t.Errorf("%s: no point-in-time recovery", def.Name)
				}
				if get(p, "SSESpecification", "SSEEnabled") != true {
					t.Errorf("%s: SSE %s; want enabled (AWS-managed key)", def.Name, jsonString(p["SSESpecification"]))
				}
				if ks := jsonString(p["KeySchema"]); ks != `[{"AttributeName":"`+def.PartitionKey+`","KeyType":"HASH"}]` {
					t.Errorf("%s: key schema %s; want %s alone", def.Name, ks, def.PartitionKey)
				}
				for _, a := range p["AttributeDefinitions"].([]any) {
					if get(a, "AttributeType") != "S" {
						t.Errorf("%s: attribute %s", def.Name, jsonString(a))
					}
				}
				ttl := p["TimeToLiveSpecification"]
				if def.TTLAttribute == "" && ttl != nil {
					t.Errorf("%s: TTL %s; want none", def.Name, jsonString(ttl))
				}
				if def.TTLAttribute != "" && (get(ttl, "AttributeName") != def.TTLAttribute || get(ttl, "Enabled") != true) {
					t.Errorf("%s: TTL %s; want %s enabled", def.Name, jsonString(ttl), def.TTLAttribute)
				}
				var gotIx, wantIx []string
				for _, g := range asList(p["GlobalSecondaryIndexes"]) {
					if g == nil {
						continue
					}
					ix := get(g, "IndexName").(string) + " " + jsonString(get(g, "KeySchema")) + " " + jsonString(get(g, "Projection"))
					gotIx = append(gotIx, ix)
				}
				for _, ix := range def.Indexes {
					keys := `[{"AttributeName":"` + ix.PartitionKey + `","KeyType":"HASH"}`
					if ix.SortKey != "" {
						keys += `,{"AttributeName":"` + ix.SortKey + `","KeyType":"RANGE"}`
					}
					projection := `{"ProjectionType":"ALL"}`
					if len(ix.Include) > 0 {
						projection = `{"NonKeyAttributes":` + jsonString(def.NonKeyAttributes(ix)) + `,"ProjectionType":"INCLUDE"}`
					}
					wantIx = append(wantIx, ix.Name+" "+keys+"] "+projection)
				}
				slices.Sort(gotIx)
				slices.Sort(wantIx)
				if !slices.Equal(gotIx, wantIx) {
					t.Errorf("%s: indexes\n%v\nwant\n%v", def.Name, gotIx, wantIx)
				}
				wantPolicy := "Delete"
				if tc.retain {
					wantPolicy = "Retain"
				}
				if r["DeletionPolicy"] != wantPolicy || r["UpdateReplacePolicy"] != wantPolicy || p["DeletionProtectionEnabled"] != tc.retain {
					t.Errorf("%s: deletion %v/%v, protection %v; want %s, protection %v", def.Name,
						r["DeletionPolicy"], r["UpdateReplacePolicy"], p["DeletionProtectionEnabled"], wantPolicy, tc.retain)
				}
			}
		})
	}
}
