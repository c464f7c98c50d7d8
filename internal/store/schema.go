package store

// The table layout, written once. The DynamoDB store creates its test tables
// from it, and the infrastructure derives its CloudFormation tables from it,
// so the two cannot drift. Every key attribute is a string.

// TableName is a table's logical name; the deployed name is a prefix (from
// LATCHKEY_TABLE_PREFIX) followed by it.
type TableName string

// The tables.
const (
	UsersTable    TableName = "users"
	KeysTable     TableName = "apikeys"
	SessionsTable TableName = "sessions"
	PostsTable    TableName = "posts"
)

// Index is a global secondary index, projecting all attributes.
type Index struct {
	Name         string
	PartitionKey string
	SortKey      string
}

// Table describes one table: its key, its indexes and its TTL attribute.
type Table struct {
	Name         TableName
	PartitionKey string
	Indexes      []Index
	// TTLAttribute names the Unix-seconds attribute after which DynamoDB may
	// sweep an item; empty when the table has none. Only the infrastructure
	// turns TTL on (the local test server has no UpdateTimeToLive), and no
	// code relies on the sweep for correctness.
	TTLAttribute string
}

// Index names, used by the DynamoDB store's queries.
const (
	IndexByUser    = "byUser"
	IndexByAuthor  = "byAuthor"
	IndexPublished = "published"
	IndexAll       = "all"
)

// Tables lists every table Latchkey uses.
var Tables = []Table{
	{
		Name:         UsersTable,
		PartitionKey: "id",
	},
	{
		// Two kinds of item share this table: "key#<id>" records, and
		// "hash#<sha256>" pointers from a secret's hash to its key, so that
		// authorization is one strongly consistent read by hash and a
		// rotation keeps the key's ID. Only records carry userId, so the
		// byUser index holds records alone.
		Name:         KeysTable,
		PartitionKey: "pk",
		Indexes: []Index{
			{Name: IndexByUser, PartitionKey: "userId", SortKey: "createdAt"},
		},
		TTLAttribute: "ttl",
	},
	{
		Name:         SessionsTable,
		PartitionKey: "id",
		Indexes: []Index{
			{Name: IndexByUser, PartitionKey: "userId", SortKey: "createdAt"},
		},
		TTLAttribute: "ttl",
	},
	{
		// published is sparse: only published posts carry publishedAt.
		Name:         PostsTable,
		PartitionKey: "id",
		Indexes: []Index{
			{Name: IndexByAuthor, PartitionKey: "authorId", SortKey: "createdAt"},
			{Name: IndexPublished, PartitionKey: "status", SortKey: "publishedAt"},
			{Name: IndexAll, PartitionKey: "kind", SortKey: "createdAt"},
		},
	},
}

// TableByName returns the definition of a table.
func TableByName(n TableName) (Table, bool) {
	for _, t := range Tables {
		if t.Name == n {
			return t, true
		}
	}
	return Table{}, false
}
