# The two commands a new user needs: `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
TEMPORAL_CLI_VERSION := v1.5.1
WORKFLOWCHECK_VERSION := v0.6.0
BIN := $(CURDIR)/bin
TEMPORAL := $(BIN)/temporal
WORKFLOWCHECK := $(BIN)/workflowcheck
# What `starter --version` prints.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: demo test bench chaos lint build clean browser promtool postgres

## demo: real Temporal dev server + Web UI, the sandbox APIs, the worker, a first import.
## Over a running demo it stops before it builds or changes anything.
demo:
	@./demo/run.sh --check
	@$(MAKE) --no-print-directory $(TEMPORAL) build
	./demo/run.sh

## test: vet, workflowcheck, unit tests, sandbox client tests and e2e tests on a real dev server.
test: $(TEMPORAL) lint browser promtool postgres
	$(GO) test -count=1 -timeout 14m ./...

## bench: every figure of BENCHMARKS.md beside its naive baseline (API calls, 429s, rate used,
## latency, history, stock pass time, worker memory); about 25 minutes on 2 cores (timeout 40). It
## ends with one table of all figures and their ratios.
bench: $(TEMPORAL)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x -timeout 40m ./bench/

## chaos: 1,000 orders through import, shipment notification and stock sync
## against the sandbox with faults on both APIs, two worker processes and
## two SIGKILLs; prints the figures (orders, faults by kind, kills,
## duplicates, lost, wall time, calls per order). About 20 minutes.
chaos: $(TEMPORAL)
	CONNECTOR_CHAOS=full $(GO) test -count=1 -timeout 45m -run '^TestChaos$$' -v ./e2e/ 2>&1 | grep -v '^=== '

lint: $(WORKFLOWCHECK)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(WORKFLOWCHECK) ./workflows/...

build:
	$(GO) build -o $(BIN)/worker ./worker
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN)/starter ./starter
	$(GO) build -o $(BIN)/sandbox ./sandbox/cmd/sandbox

# The Temporal CLI (dev server 1.29.1 with the Web UI), built from the Go
# module proxy into bin/ on first use; later runs reuse it.
$(TEMPORAL):
	@echo "building the Temporal CLI $(TEMPORAL_CLI_VERSION) into bin/ (first time only, about 3 minutes)"
	GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

# Debian's Chromium, for the e2e test that opens the Web UI as an operator,
# and a Japanese font, so that its screenshots show the summaries (受注 …)
# instead of empty boxes.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the Web UI test (needs root; or set CHROMIUM=/path)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -e /usr/share/fonts/opentype/ipafont-gothic || test -n "$$CHROMIUM" || { \
	  echo "installing Debian's fonts-ipafont-gothic for the Web UI screenshots"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-ipafont-gothic >/dev/null || true; }

# promtool from Debian's prometheus package, for the test that checks the
# alert rules in deploy/prometheus (the test uses promtool only; no
# Prometheus server needs to run).
promtool:
	@command -v promtool >/dev/null 2>&1 || { \
	  echo "installing Debian's prometheus package for promtool (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; }

# Debian's PostgreSQL server binaries, for the tests of the shared state
# store (sharedstate/, e2e's several-workers test). The tests start a
# private cluster of their own in a temporary directory; the package's
# default cluster is not used.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the shared-state tests (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

$(WORKFLOWCHECK):
	GOBIN=$(BIN) $(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

clean:
	rm -rf $(BIN) .state
