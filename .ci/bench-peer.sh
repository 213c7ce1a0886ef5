#!/usr/bin/env bash
# The peer benchmark: bdg-rpc beside chrome-devtools-mcp (an MCP server from
# npm, on puppeteer) on the same fixture page, in one run (server/bench_peer_test.go).
#
# Usage: .ci/bench-peer.sh            install the peer when absent, then run the benchmark
#        .ci/bench-peer.sh --install  only install the peer
#
# The peer goes into .tools/peer/ (git-ignored), pinned to $PEER_VERSION,
# without puppeteer's own Chrome download: it runs the Chromium the tests use.
# Extra arguments after the optional --install go to go test, e.g.
# -bench-peer-rounds 5.
set -euo pipefail
cd "$(dirname "$0")/.."

PEER=chrome-devtools-mcp
PEER_VERSION=1.11.0
DIR=$PWD/.tools/peer
ENTRY=$DIR/node_modules/$PEER/package.json

.ci/ensure-tools.sh chromium node

installed_version() {
  [ -f "$ENTRY" ] && node -p "require(process.argv[1]).version" "$ENTRY" 2>/dev/null || true
}

if [ "$(installed_version)" != "$PEER_VERSION" ]; then
  echo "bench-peer: installing $PEER@$PEER_VERSION into $DIR" >&2
  mkdir -p "$DIR"
  # npm install --prefix wants a package.json of its own there, or it climbs
  # to the repository's.
  [ -f "$DIR/package.json" ] || echo '{"name":"bdg-rpc-bench-peer","private":true}' >"$DIR/package.json"
  if ! PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --prefix "$DIR" "$PEER@$PEER_VERSION" >&2; then
    echo "error: could not install $PEER@$PEER_VERSION from the npm registry." >&2
    echo "       check that npm reaches its registry (npm view $PEER@$PEER_VERSION version; npm config get registry)," >&2
    echo "       or install it by hand where the benchmark looks for it:" >&2
    echo "         PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-save --prefix $DIR $PEER@$PEER_VERSION" >&2
    echo "       or point -bench-peer-cmd at an installed copy (its bin/ script)." >&2
    exit 1
  fi
  if [ "$(installed_version)" != "$PEER_VERSION" ]; then
    echo "error: npm finished but $ENTRY does not say version $PEER_VERSION." >&2
    exit 1
  fi
fi
if [ "${1:-}" = "--install" ]; then
  echo "bench-peer: $PEER $(installed_version) is in $DIR" >&2
  exit 0
fi

export PATH="$PATH:/usr/local/go/bin"
go test -count=1 -run TestPeerBench ./server -v -bench-peer -timeout 30m "$@" |
  grep -v '^=== RUN\|^--- PASS\|^PASS$\|^ok'
