# claimgrade — developer and CI entry points. `make` (or `make help`) lists the targets.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO             ?= go
GOFMT          ?= gofmt
SWAG           ?= go tool swag
DOCKER_COMPOSE ?= docker-compose
FUZZTIME       ?= 30s
BIN            ?= bin/claimgrade

.PHONY: help run build test test-race docs docs-check lint fuzz compose-config clean

help: ## List the targets
	@echo "Usage: make <target> [VAR=value]"
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_-]+:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

run: ## Run the API locally (go run .; config from the environment)
	$(GO) run .

build: ## Build the static binary bin/claimgrade (CGO_ENABLED=0)
	CGO_ENABLED=0 $(GO) build -o $(BIN) .

test: ## Run all tests, one package at a time (they share one PostgreSQL; also on PostgreSQL when TEST_DATABASE_URL is set)
	$(GO) test -count=1 -p 1 -timeout 30m ./...

test-race: ## Run the packages with concurrent code under the race detector (needs cgo)
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 30m . ./api ./store ./review ./dataset ./internal/faultproxy

docs: ## Regenerate the OpenAPI docs in docs/ with swag, docs/openapi.json (the served OpenAPI 3) and the generated client of internal/partnerclient
	$(SWAG) fmt && $(SWAG) init --generalInfo main.go --output docs --outputTypes go,json,yaml --requiredByDefault --parseInternal
	$(GO) run ./cmd/openapi > docs/openapi.json
	$(GO) generate ./internal/partnerclient

docs-check: ## Fail if docs/ or the generated client differ from what `make docs` generates
	@$(MAKE) --no-print-directory docs
	@if ! git diff --exit-code -- docs/ internal/partnerclient/ \
	  || [ -n "$$(git ls-files --others --exclude-standard -- docs/ internal/partnerclient/)" ]; then \
	  git ls-files --others --exclude-standard -- docs/ internal/partnerclient/ | sed 's/^/untracked: /' >&2; \
	  echo "docs/ is stale: run make docs and commit" >&2; \
	  exit 1; \
	fi

# gofmt over the repository's Go files (tracked, plus untracked ones not yet
# ignored, so new files are checked before `git add`), docs/ excluded as generated.
lint: ## gofmt -l check (docs/ excluded) and go vet ./...
	@files=$$(git ls-files --cached --others --exclude-standard -- '*.go' ':!:docs/' \
	  | sort -u | while read -r f; do if [ -f "$$f" ]; then echo "$$f"; fi; done); \
	unformatted=$$(if [ -n "$$files" ]; then $(GOFMT) -l $$files; fi); \
	if [ -n "$$unformatted" ]; then \
	  echo "gofmt: these files need formatting (run gofmt -w):" >&2; \
	  echo "$$unformatted" >&2; \
	  exit 1; \
	fi
	$(GO) vet ./...

FUZZ_TARGETS   ?= FuzzCreateClaim FuzzCreateSource FuzzListClaimsQuery
# Each run goes through the router and SQLite (about a millisecond), so the
# default minimisation budget of 60s per new input would stall the fuzzer.
FUZZMINIMIZETIME ?= 5s

fuzz: ## Fuzz each handler target (FUZZ_TARGETS) for FUZZTIME (default 30s) in turn
	@for target in $(FUZZ_TARGETS); do \
	  echo "== $$target ($(FUZZTIME))"; \
	  $(GO) test ./handlers -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) || exit 1; \
	done

compose-config: ## Validate docker-compose.yml
	$(DOCKER_COMPOSE) config -q

clean: ## Remove build and coverage artifacts
	rm -rf bin/ coverage.*

.PHONY: bench-scale
bench-scale: ## Scale benchmark outside CI: generate 1,000,000 claims (SMALL=1: 20,000) on PostgreSQL (TEST_DATABASE_URL), claimgrade vs a raw net/http + pgx server; SQLITE=1: claimgrade on SQLite, 100,000 claims
	SMALL=$(SMALL) SQLITE=$(SQLITE) $(GO) run ./cmd/benchscale
