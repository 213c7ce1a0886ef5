# bdg-rpc: make build | make test | make bench | make demo
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/bdg-rpc

.PHONY: all build release test-release test test-go lint generate fixtures bench bench-codec bench-cli bench-files bench-peer demo stress fuzz clean

all: build

# The commit is stamped into the binary ("bdg-rpc version" prints it): go's
# own VCS stamp is off where GOFLAGS has -buildvcs=false.
COMMIT := $(shell git rev-parse HEAD 2>/dev/null)

build:
	$(GO) build -ldflags "-X main.commit=$(COMMIT)" -o $(BIN) ./cmd/bdg-rpc

# The release files in dist/: static binaries for linux and macOS (amd64,
# arm64), a .vsix per platform carrying its binary, one without, and
# SHA256SUMS (.ci/release.sh). VERSION is the version the code carries.
release: ext-deps
	.ci/release.sh "$(VERSION)"

# make release checked as CI would run it, into a temporary directory, and
# go install of the module from a local module proxy (cmd/bdg-rpc/release_test.go).
test-release: ext-deps
	$(GO) test -count=1 -run 'TestRelease|TestGoInstall' ./cmd/bdg-rpc -release -v -timeout 20m

# Everything the tests need is installed when absent (chromium and neovim
# from Debian's packages, node modules with npm ci, code-server with the
# recipe); where that cannot be done, the scripts say what to do.
test: lint test-go test-release test-extension test-nvim

# The clients' targets: test-extension and package (VS Code), test-nvim.
include extension/extension.mk extension/nvim/nvim.mk

# staticcheck, installed into .tools/ from the Go module proxy when absent.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := .tools/staticcheck-$(STATICCHECK_VERSION)
$(STATICCHECK):
	GOBIN=$(CURDIR)/.tools $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv .tools/staticcheck $@

# Static checks: formatting, vet, staticcheck, a tidy go.mod, the build on
# the other release platforms (tests included: vet type-checks them), and
# no binary or large file tracked.
CROSS := darwin/amd64 darwin/arm64 linux/arm64
lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard -- '*.go' | while read -r f; do [ -f "$$f" ] && echo "$$f"; done)); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) mod tidy -diff
	@for p in $(CROSS); do echo "GOOS=$${p%/*} GOARCH=$${p#*/} go vet ./..."; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./... || exit 1; done
	.ci/check-tracked.sh

# The packages that run goroutines are tested with the race detector.
RACE_PKGS := ./rpc/... ./browser/... ./session/... ./server/...
test-go: build
	.ci/ensure-tools.sh chromium
	$(GO) test -count=1 -race $(RACE_PKGS)
	# Memory bounds, which the race detector's shadow memory would blur.
	$(GO) test -count=1 -run 'TestFrameOverLimitServe' ./server
	$(GO) test -count=1 ./cmd/...

# Rewrites the files generated from the protocol's tables (the clients'
# names, the index of docs/PROTOCOL.md); a test fails when they are stale.
generate:
	$(GO) generate ./rpc/protocol

# Load: 100 starts and stops in a row, 50 concurrent starts x 10 rounds, 5
# named sessions at once, and a hostile page that must keep the worker under
# 128 MB RSS (.ci/run runs it after make test).
stress: build
	.ci/ensure-tools.sh chromium
	$(GO) test -count=1 -run TestStress ./cmd/bdg-rpc/internal/cli -v -stress -timeout 60m | grep -v "^=== RUN\|^PASS\|^ok"

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzReader -fuzztime 60s ./rpc
	$(GO) test -run '^$$' -fuzz FuzzStream -fuzztime 60s ./rpc

# Benchmarks print ratios measured side by side in one run; docs/BENCHMARKS.md
# records them.
bench: bench-codec bench-worker bench-cli bench-serve bench-files bench-peer

bench-codec:
	$(GO) test -count=1 -run TestCodecRatios ./rpc -v -ratios | grep -v "^=== RUN\|^--- \|^PASS\|^ok"

# status and peek with 10,000 stored events, beside node -e 0 (hyperfine).
bench-cli: build
	.ci/bench-cli.sh

bench-worker:
	$(GO) test -count=1 -run TestWorkerBench ./session/worker -v -bench-worker -timeout 20m | grep -v "^=== RUN\|^--- \|^PASS\|^ok"

# A page of 100 from the middle of an ended session's session.json (100,000
# and 1,000,000 messages): through its index, and read whole, side by side;
# a list of 100,000 messages, 90,000 of them cold, and their session.json.
bench-files:
	$(GO) test -count=1 -run '^$$' -bench BenchmarkEndedSessionPage -benchtime 5x -benchmem ./session/control | grep "^Benchmark"
	$(GO) test -count=1 -run '^$$' -bench BenchmarkColdConsole -benchtime 3x -benchmem ./session/capture | grep "^Benchmark"

# bdg-rpc mcp beside chrome-devtools-mcp 1.11.0 (installed from npm into
# .tools/peer/ when absent) on the same fixture page, in alternating rounds:
# start-up, a burst of 10,000 messages, one listing of all, memory (issue
# 18; .ci/bench-peer.sh -bench-peer-side serve puts bdg-rpc serve there).
bench-peer: build
	.ci/bench-peer.sh

# A page logs 50,000 console messages: what a bare CDP reader and a client of
# bdg-rpc serve receive (rate, latency, CPU), and what watching costs the page.
bench-serve:
	.ci/ensure-tools.sh chromium
	$(GO) test -count=1 -run TestServeBench ./server -v -bench-serve -timeout 30m | grep -v "^=== RUN\|^--- \|^PASS\|^ok"

# The source-mapped fixture app (issue 17): its TypeScript bundled and
# minified by esbuild with an external map. The output is committed, so
# that the tests need no npm; run this after changing maps/src.
fixtures:
	@test -x node_modules/.bin/esbuild || npm ci
	node_modules/.bin/esbuild testdata/fixtures/maps/src/app.ts --bundle --minify --sourcemap --target=es2020 --outfile=testdata/fixtures/maps-app.js

demo: build
	.ci/ensure-tools.sh chromium
	$(BIN) demo

clean:
	rm -rf bin
