# secretguard — see README.md. `make test` and `make demo` set up what they need.
SHELL := /bin/bash
GO ?= go
GOBIN ?= $(shell $(GO) env GOPATH)/bin
STATICCHECK_VERSION ?= v0.8.2
FUNCTIONS := $(notdir $(wildcard functions/*))
# Everything but the CDK app, whose module is heavy: function builds and the
# default test run never compile it.
PKGS = $(shell $(GO) list ./... | grep -v -e '/infra' -e '/node_modules')
GOFLAGS_BUILD := -trimpath -tags lambda.norpc -ldflags='-s -w'

.PHONY: all build build-local test test-go test-short lint lint-go bench tools deps moto clean cli synth test-infra lint-infra

all: lint test build

deps:
	$(GO) mod download

# One linux/arm64 bootstrap per function, as Lambda's provided.al2023 runtime wants.
build: deps
	@for f in $(FUNCTIONS); do \
	  echo "build functions/$$f -> bin/lambda/$$f/bootstrap (linux/arm64)"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build $(GOFLAGS_BUILD) -o bin/lambda/$$f/bootstrap ./functions/$$f || exit 1; \
	done

# The same binaries for this machine, for the emulator and the demo.
build-local: deps
	@for f in $(FUNCTIONS); do \
	  CGO_ENABLED=0 $(GO) build $(GOFLAGS_BUILD) -o bin/local/$$f/bootstrap ./functions/$$f || exit 1; \
	done

cli: deps
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/secretguard ./cmd/secretguard

# moto_server is the local AWS the tests run against.
moto:
	@command -v moto_server >/dev/null 2>&1 || python3 -m pip install --quiet 'moto[server]>=5.1,<6'
	@command -v moto_server >/dev/null 2>&1 || { echo "moto_server not found after install: put pip's bin directory on PATH" >&2; exit 1; }

# Everything: the Go packages (never compiling the CDK), then infra/.
test: test-go test-infra

test-go: deps moto
	$(GO) test -count=1 -timeout 15m $(PKGS)

test-short: deps
	$(GO) test -short -count=1 $(PKGS)

tools:
	@test -x $(GOBIN)/staticcheck || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: lint-go lint-infra

lint-go: deps tools
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GOBIN)/staticcheck $(PKGS)

bench: deps moto
	$(GO) test -run '^$$' -bench . -benchtime 1x -benchmem ./shared/... 

# The CDK app (infra/): own targets, the CDK module is heavy (cold build
# ~2.5 min, ~1 GB). node_modules/.bin first on PATH = the pinned CDK CLI and
# Node 22 for jsii. The go.mod written into node_modules keeps `go list ./...`
# out of the Go files the CDK CLI ships as init templates.
CDK_ENV := PATH="$(CURDIR)/node_modules/.bin:$$PATH"
CDK_ARGS ?=

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@printf 'module ignore/node_modules\n' > node_modules/go.mod
	@touch node_modules

synth: build node_modules
	$(CDK_ENV) npx --no-install cdk synth -q $(CDK_ARGS)

test-infra: deps node_modules
	$(CDK_ENV) $(GO) test -count=1 -timeout 20m ./infra/...

lint-infra: deps tools node_modules
	$(GO) vet ./infra/...
	$(GOBIN)/staticcheck ./infra/...
	$(CDK_ENV) infra/lint.sh --examples

clean:
	rm -rf bin cdk.out

# The local end to end (tests/, tests/lab, tests/demo; see README.md "See it
# work"): the real function binaries under the Lambda Runtime Interface
# Emulator, against moto_server on 127.0.0.1.
.PHONY: demo e2e bench-coldstart rie
RIE_VERSION ?= v0.0.0-20261030222936-bef5c4ba774d
DEMO_ARGS ?=

rie:
	@test -x bin/tools/aws-lambda-rie || { echo "install aws-lambda-rie $(RIE_VERSION) -> bin/tools"; \
	  GOBIN=$(CURDIR)/bin/tools $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION); }

demo: deps moto build-local rie
	$(GO) run ./tests/demo $(DEMO_ARGS)

e2e: deps moto rie
	$(GO) test -count=1 -timeout 10m ./tests/

bench-coldstart: deps moto rie
	$(GO) test -count=1 -run '^$$' -bench ColdStart -benchtime 10x -timeout 15m ./tests/
