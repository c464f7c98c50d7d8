package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/latchkey/latchkey/internal/routes"
	"github.com/latchkey/latchkey/internal/store"
)

// sizing is each kind's memory and timeout. The authorizer sits in front
// of every request, so it gets more memory (Lambda's CPU grows with it) and
// a short timeout; the sign-in functions wait on the identity provider.
var sizing = map[Kind]struct {
	memoryMB int
	timeout  time.Duration
}{
	KindAPI:        {256, 10 * time.Second},
	KindSignIn:     {256, 15 * time.Second},
	KindAuthorizer: {512, 5 * time.Second},
}

// Deployed is one function as deployed: the Lambda function, its own role
// and its own log group.
type Deployed struct {
	Function
	Lambda   awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
}

// checkBootstraps reports every function whose built bootstrap is missing,
// at once, before any construct is made.
func checkBootstraps(s Settings, fns []Function) error {
	var missing []string
	for _, f := range fns {
		p := filepath.Join(s.AssetDir, f.Name, "bootstrap")
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing function builds: %s; run `make build` first (it writes %s/<function>/bootstrap for linux/arm64)",
			strings.Join(missing, ", "), s.AssetDir)
	}
	return nil
}

// checkTables reports a route that names a table store.Tables does not
// define: it would get no grant and fail at run time.
func checkTables(fns []Function) error {
	var errs []error
	for _, f := range fns {
		for t := range f.Tables {
			if _, ok := store.TableByName(t); !ok {
				errs = append(errs, fmt.Errorf("function %s uses table %q, which store.Tables does not define", f.Name, t))
			}
		}
	}
	return errors.Join(errs...)
}

// newFunctions creates every function with its role, its log group and its
// environment: env (the configuration every function shares) and the ARNs
// of the secrets its kind reads.
func newFunctions(scope constructs.Construct, s Settings, fns []Function, env map[string]*string,
	tables map[store.TableName]awsdynamodb.Table, sec Secrets) map[string]*Deployed {
	c := constructs.NewConstruct(scope, jsii.String("Functions"))
	out := map[string]*Deployed{}
	for _, f := range fns {
		id := logicalName(f.Name)
		fc := constructs.NewConstruct(c, jsii.String(id))
		logs := awslogs.NewLogGroup(fc, jsii.String("Logs"), &awslogs.LogGroupProps{
			Retention:     retention(s),
			RemovalPolicy: removalPolicy(s),
		})
		secrets := sec.forFunction(f.Kind, s)
		role := awsiam.NewRole(fc, jsii.String("Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String(fmt.Sprintf("%s function %s: only its log group, its tables and its secrets", s.StackName, f.Name)),
			InlinePolicies: &map[string]awsiam.PolicyDocument{
				"access": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
					Statements: statements(f, logs, tables, secrets, s.Tracing),
				}),
			},
		})

		fenv := map[string]*string{}
		for k, v := range env {
			fenv[k] = v
		}
		for k, v := range secrets {
			fenv[k] = v.SecretArn()
		}
		size := sizing[f.Kind]
		props := &awslambda.FunctionProps{
			Description:  jsii.String(truncate(s.StackName+": "+f.Summary(), 256)),
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			Handler:      jsii.String("bootstrap"),
			Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(s.AssetDir, f.Name)), nil),
			MemorySize:   jsii.Number(float64(size.memoryMB)),
			Timeout:      awscdk.Duration_Seconds(jsii.Number(size.timeout.Seconds())),
			Environment:  &fenv,
			LogGroup:     logs,
			// JSON lines with Lambda's own request id on each, beside the
			// JSON the code writes (httpx.NewLogger).
			LoggingFormat: awslambda.LoggingFormat_JSON,
			// The role is complete as written: nothing the CDK might add
			// later (a grant, tracing) widens it unseen.
			Role: role.WithoutPolicyUpdates(nil),
		}
		if s.Tracing {
			props.Tracing = awslambda.Tracing_ACTIVE
		}
		fn := awslambda.NewFunction(fc, jsii.String("Function"), props)
		// A readable, stable logical ID: what `sam local invoke` names.
		fn.Node().DefaultChild().(awslambda.CfnFunction).OverrideLogicalId(jsii.String(id + "Function"))
		out[f.Name] = &Deployed{Function: f, Lambda: fn, Role: role, LogGroup: logs}
	}
	return out
}

// statements is a function's whole IAM policy, derived from the route
// table: write its own log streams; on each of its tables exactly the
// actions its access grants, and Query on the table's indexes by name;
// read its secrets; and, with tracing on, send X-Ray segments. There is no
// wildcard action, and the only wildcard resource is X-Ray's, which has no
// resource-level permissions.
func statements(f Function, logs awslogs.LogGroup, tables map[store.TableName]awsdynamodb.Table,
	secrets map[string]awssecretsmanager.Secret, tracing bool) *[]awsiam.PolicyStatement {
	st := []awsiam.PolicyStatement{
		statement("Logs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, *logs.LogGroupArn()),
	}
	for _, name := range f.TableNames() {
		def, _ := store.TableByName(name)
		arn := *tables[name].TableArn()
		if f.Tables[name] == routes.Update {
			st = append(st, updateStatements(logicalName(string(name))+"Table", def, f.Writes[name], arn)...)
		} else {
			st = append(st, statement(logicalName(string(name))+"Table", Actions(f.Tables[name]), arn))
		}
		if len(def.Indexes) > 0 && QueriesIndexes(f.Tables[name]) {
			var ix []string
			for _, i := range def.Indexes {
				ix = append(ix, arn+"/index/"+i.Name)
			}
			st = append(st, statement(logicalName(string(name))+"Indexes", indexActions, ix...))
		}
	}
	if len(secrets) > 0 {
		var arns []string
		for _, k := range sortedKeys(secrets) {
			arns = append(arns, *secrets[k].SecretArn())
		}
		st = append(st, statement("Secrets", []string{"secretsmanager:GetSecretValue"}, arns...))
	}
	if tracing {
		st = append(st, statement("XRay", []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, "*"))
	}
	return &st
}

// updateStatements grant routes.Update on one table: GetItem, and an
// UpdateItem that may write only the given attributes (with the key, which
// an update names and cannot change) and return no values. Conditions of
// DynamoDB's fine-grained access control: dynamodb:Attributes lists every
// attribute a request names; dynamodb:ReturnValues its ReturnValues.
func updateStatements(sid string, def store.Table, attrs []string, arn string) []awsiam.PolicyStatement {
	allowed := append([]string{def.PartitionKey}, attrs...)
	return []awsiam.PolicyStatement{
		statement(sid+"Get", []string{"dynamodb:GetItem"}, arn),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid + "Update"),
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings("dynamodb:UpdateItem"),
			Resources: jsii.Strings(arn),
			Conditions: &map[string]any{
				"ForAllValues:StringEquals": map[string]any{"dynamodb:Attributes": allowed},
				"StringEqualsIfExists":      map[string]any{"dynamodb:ReturnValues": []string{"NONE"}},
			},
		}),
	}
}

func statement(sid string, actions []string, resources ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String(sid),
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(resources...),
	})
}

// functionEnvironment is the configuration every function shares, as the
// LATCHKEY_* variables config.Load reads (docs/API.md). publicURL may be a
// token (CloudFront's address, known at deploy time).
func functionEnvironment(s Settings, publicURL string) map[string]*string {
	env := map[string]*string{}
	set := func(k, v string) {
		if v != "" {
			env[k] = jsii.String(v)
		}
	}
	set("LATCHKEY_PUBLIC_URL", publicURL)
	set("LATCHKEY_ENV", s.Env)
	// The stack's name names the deployment in every metric (the
	// Deployment dimension the alarms and the dashboard select).
	set("LATCHKEY_DEPLOYMENT", s.StackName)
	set("LATCHKEY_TABLE_PREFIX", s.TablePrefix)
	set("LATCHKEY_OIDC_ISSUER", s.OIDCIssuer)
	set("LATCHKEY_OIDC_CLIENT_ID", s.OIDCClientID)
	set("LATCHKEY_GITHUB_CLIENT_ID", s.GitHubClientID)
	set("LATCHKEY_EDITORS", strings.Join(s.Editors, ","))
	set("LATCHKEY_EDITOR_GROUP", s.EditorGroup)
	set("LATCHKEY_ALLOWED_ORIGINS", strings.Join(s.AllowedOrigins, ","))
	set("LATCHKEY_CACHE_TTL", s.CacheTTL)
	set("LATCHKEY_SESSION_TTL", s.SessionTTL)
	set("LATCHKEY_SESSION_IDLE", s.SessionIdle)
	if s.SecurityLogDays > 0 {
		set("LATCHKEY_SECURITY_LOG_DAYS", strconv.Itoa(s.SecurityLogDays))
	}
	set("LATCHKEY_SECRETS_GENERATION", s.SecretsGeneration)
	// Every function reads the whole configuration (config.Load); only
	// public-secret-scanning uses these.
	set("LATCHKEY_SECRET_SCANNING_KEYS", s.SecretScanningKeys)
	set("LATCHKEY_SECRET_SCANNING_FETCH_URL", s.SecretScanningFetchURL)
	// Declared empty (the functions then use DynamoDB itself) so that
	// `sam local invoke --env-vars` can point it at a local server: SAM only
	// overrides variables the template declares.
	env["LATCHKEY_DYNAMODB_ENDPOINT"] = jsii.String("")
	return env
}

// retention is the log retention setting as the CDK's enum, whose members
// follow logRetentionDays one for one.
func retention(s Settings) awslogs.RetentionDays {
	return retentionEnum[slices.Index(logRetentionDays, s.LogRetentionDays)]
}

var retentionEnum = []awslogs.RetentionDays{
	awslogs.RetentionDays_ONE_DAY, awslogs.RetentionDays_THREE_DAYS, awslogs.RetentionDays_FIVE_DAYS,
	awslogs.RetentionDays_ONE_WEEK, awslogs.RetentionDays_TWO_WEEKS, awslogs.RetentionDays_ONE_MONTH,
	awslogs.RetentionDays_TWO_MONTHS, awslogs.RetentionDays_THREE_MONTHS, awslogs.RetentionDays_FOUR_MONTHS,
	awslogs.RetentionDays_FIVE_MONTHS, awslogs.RetentionDays_SIX_MONTHS, awslogs.RetentionDays_ONE_YEAR,
	awslogs.RetentionDays_THIRTEEN_MONTHS, awslogs.RetentionDays_EIGHTEEN_MONTHS, awslogs.RetentionDays_TWO_YEARS,
	awslogs.RetentionDays_THREE_YEARS, awslogs.RetentionDays_FIVE_YEARS, awslogs.RetentionDays_SIX_YEARS,
	awslogs.RetentionDays_SEVEN_YEARS, awslogs.RetentionDays_EIGHT_YEARS, awslogs.RetentionDays_NINE_YEARS,
	awslogs.RetentionDays_TEN_YEARS,
}

// logicalName turns a function or table name (keys-create) into a
// CloudFormation-friendly one (KeysCreate).
func logicalName(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
