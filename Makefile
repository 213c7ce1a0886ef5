# bdg-rpc: make build | make test | make bench | make demo
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/bdg-rpc

.PHONY: all build test test-go lint bench bench-codec bench-cli demo stress fuzz clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/bdg-rpc

# Everything the tests need is installed when absent (chromium and neovim
# from Debian's packages, node modules with npm ci, code-server with the
# recipe); where that cannot be done, the scripts say what to do.
test: lint test-go test-extension test-nvim

# The clients' targets: test-extension and package (VS Code), test-nvim.
include extension/extension.mk extension/nvim/nvim.mk

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test-go: build
	.ci/ensure-tools.sh chromium
	$(GO) test -count=1 ./...

# Load: 100 starts and stops in a row, 50 concurrent starts x 10 rounds, 5
# named sessions at once (.ci/run runs it after make test).
stress: build
	.ci/ensure-tools.sh chromium
	$(GO) test -count=1 -run TestStress ./cmd/bdg-rpc/internal/cli -v -stress -timeout 30m | grep -v "^=== RUN\|^PASS\|^ok"

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime 60s ./rpc
	$(GO) test -run '^$$' -fuzz FuzzStream -fuzztime 60s ./rpc

# Benchmarks print ratios measured side by side in one run; docs/BENCHMARKS.md
# records them.
bench: bench-codec bench-worker bench-cli bench-serve

bench-codec:
	$(GO) test -count=1 -run TestCodecRatios ./rpc -v -ratios | grep -v "^=== RUN\|^--- \|^PASS\|^ok"

# status and peek with 10,000 stored events, beside node -e 0 (hyperfine).
bench-cli: build
	.ci/bench-cli.sh

bench-worker:
	$(GO) test -count=1 -run TestWorkerBench ./session/worker -v -bench-worker -timeout 20m | grep -v "^=== RUN\|^--- \|^PASS\|^ok"

# A page logs 50,000 console messages: what a bare CDP reader and a client of
# bdg-rpc serve receive (rate, latency, CPU), and what watching costs the page.
bench-serve:
	.ci/ensure-tools.sh chromium
	$(GO) test -count=1 -run TestServeBench ./server -v -bench-serve -timeout 30m | grep -v "^=== RUN\|^--- \|^PASS\|^ok"

demo: build
	.ci/ensure-tools.sh chromium
	$(BIN) demo

clean:
	rm -rf bin
