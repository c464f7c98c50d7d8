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
	// SecurityLogTable holds the users' security logs (SecurityEvent).
	SecurityLogTable TableName = "securitylog"
)

// Index is a global secondary index.
type Index struct {
	Name         string
	PartitionKey string
	SortKey      string
	// Include names the attributes the index's queries read, and the index
	// carries those alone (with its keys and the table's); empty, it
	// carries every attribute.
	Include []string
}

// PostListing names the attributes a post listing reads: all but the body
// (and "kind", the key of the "all" index, which no listing reads), so that
// the post indexes do not hold a copy of every body. See ExcerptLength.
var PostListing = []string{"id", "authorId", "title", "excerpt", "truncated", "status", "version", "createdAt", "updatedAt", "publishedAt"}

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
		Name:         SecurityLogTable,
		PartitionKey: "id",
		Indexes: []Index{
			{Name: IndexByUser, PartitionKey: "userId", SortKey: "at"},
		},
		TTLAttribute: "ttl",
	},
	{
		// published is sparse: only published posts carry publishedAt.
		Name:         PostsTable,
		PartitionKey: "id",
		Indexes: []Index{
			{Name: IndexByAuthor, PartitionKey: "authorId", SortKey: "createdAt", Include: PostListing},
			{Name: IndexPublished, PartitionKey: "status", SortKey: "publishedAt", Include: PostListing},
			{Name: IndexAll, PartitionKey: "kind", SortKey: "createdAt", Include: PostListing},
		},
	},
}

// NonKeyAttributes returns the attributes of ix.Include that are keys
// neither of t nor of ix: those DynamoDB's INCLUDE projection names (it
// carries the keys anyway). Nil when ix.Include is empty.
func (t Table) NonKeyAttributes(ix Index) []string {
	var out []string
	for _, a := range ix.Include {
		if a != t.PartitionKey && a != ix.PartitionKey && a != ix.SortKey {
			out = append(out, a)
		}
	}
	return out
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
