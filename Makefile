# Latchkey — run it with `make dev`, test it with `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO          ?= go
BIN         := $(CURDIR)/.bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
FUNCTIONS   := $(notdir $(wildcard functions/*))
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags="-s -w"

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.PHONY: deps
deps: node_modules/.installed $(STATICCHECK) ## install what the tests need (Go modules, dynalite, staticcheck)
	$(GO) mod download

node_modules/.installed: package.json package-lock.json
	@command -v node >/dev/null || { echo "Node.js is required (for the local DynamoDB-compatible server)"; exit 1; }
	npm ci --no-audit --no-fund
	@# Some npm packages ship Go files (aws-cdk's init templates); a go.mod
	@# here makes ./... patterns skip node_modules as another module.
	@printf 'module ignored.invalid/nodemodules\n' > node_modules/go.mod
	@touch $@

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: test
test: deps lint ## run every check and test (starts and stops its own servers)
	$(GO) test -count=1 ./...

.PHONY: lint
lint: $(STATICCHECK) ## gofmt check, go vet, staticcheck
	@unformatted=$$(gofmt -l $$(find . -name '*.go' -not -path './node_modules/*' -not -path './cdk.out/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

FUZZTIME ?= 30s
FUZZ_TARGETS := ./internal/apikey:FuzzFromAuthorization ./internal/apikey:FuzzCheck \
	./internal/authz:FuzzDecodeInput ./internal/authz:FuzzAppendJSONString \
	./internal/store:FuzzDecodeCursor ./internal/routes:FuzzMatch

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME (default 30s) each
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "== $$fn ($$pkg)"; \
	  $(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

.PHONY: bench
bench: ## run the benchmarks recorded in docs/PERFORMANCE.md
	$(GO) test ./internal/authz ./internal/devserver -run '^$$' -bench . -benchtime 2s -count 5

.PHONY: dev
dev: ## run Latchkey locally on LATCHKEY_ADDR (default 127.0.0.1:8080); DATA=file.json keeps the data
	$(GO) run ./cmd/dev $(if $(DATA),-data $(DATA))

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

.PHONY: clean
clean: ## remove build output
	rm -rf dist
