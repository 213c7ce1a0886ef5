#!/usr/bin/env bash
# make release VERSION=x.y.z: the release files in dist/ (or $DIST):
#
#   bdg-rpc-VERSION-GOOS-GOARCH       static binaries (CGO off, -trimpath,
#                                     the commit stamped) for linux/amd64,
#                                     linux/arm64, darwin/amd64, darwin/arm64
#   bdg-rpc-VERSION-TARGET.vsix       the VS Code extension for one platform
#                                     (linux-x64, linux-arm64, darwin-x64,
#                                     darwin-arm64), carrying its binary as
#                                     bin/bdg-rpc, which it runs first
#   bdg-rpc-VERSION.vsix              the extension for the other platforms,
#                                     without a binary (it says so on
#                                     activation, with what to do)
#   SHA256SUMS                        of all of them
#
# Usage: .ci/release.sh VERSION (make release VERSION=x.y.z); DIST=DIR puts
# the files elsewhere. .ci/release.sh --host-target prints this machine's
# target.
#
# VERSION must be the version the binary and the extension already carry
# (rpc/protocol/doc.go's Version, package.json's version): the three agree.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# --host-target prints this machine's target, in RELEASE_TARGETS's form.
if [ "${1:-}" = --host-target ]; then
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) echo linux/amd64:linux-x64 ;;
    Linux/aarch64 | Linux/arm64) echo linux/arm64:linux-arm64 ;;
    Darwin/x86_64) echo darwin/amd64:darwin-x64 ;;
    Darwin/arm64) echo darwin/arm64:darwin-arm64 ;;
  esac
  exit 0
fi

VERSION=${1:-}
if [ -z "$VERSION" ]; then
  echo "error: no version. Usage: make release VERSION=x.y.z" >&2
  exit 2
fi
CODE_VERSION=$(sed -n 's/^const Version = "\(.*\)"$/\1/p' rpc/protocol/doc.go)
PKG_VERSION=$(node -p 'require("./package.json").version')
if [ "$VERSION" != "$CODE_VERSION" ] || [ "$VERSION" != "$PKG_VERSION" ]; then
  echo "error: VERSION=$VERSION, but the binary says $CODE_VERSION (rpc/protocol/doc.go) and the extension $PKG_VERSION (package.json)." >&2
  echo "       the release's version, the binary's and the extension's agree: set Version in rpc/protocol/doc.go" >&2
  echo "       and version in package.json to $VERSION (and add its CHANGELOG.md entry) first." >&2
  exit 2
fi
COMMIT=$(git rev-parse HEAD 2>/dev/null || true)
if [ -n "$COMMIT" ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  COMMIT="$COMMIT-dirty"
fi

DIST=${DIST:-$ROOT/dist}
rm -rf "$DIST"
mkdir -p "$DIST"

# GOOS/GOARCH and VS Code's name for the platform; RELEASE_TARGETS (the same
# form, space-separated) makes only those (the e2e test's own platform).
TARGETS=(linux/amd64:linux-x64 linux/arm64:linux-arm64 darwin/amd64:darwin-x64 darwin/arm64:darwin-arm64)
if [ -n "${RELEASE_TARGETS:-}" ]; then
  read -r -a TARGETS <<<"$RELEASE_TARGETS"
fi

for t in "${TARGETS[@]}"; do
  goos=${t%%/*}
  rest=${t#*/}
  goarch=${rest%%:*}
  out="$DIST/bdg-rpc-$VERSION-$goos-$goarch"
  echo "release: $out" >&2
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -ldflags "-s -w -X main.commit=$COMMIT" -o "$out" ./cmd/bdg-rpc
done

# The extension: built once, then packaged from a stage directory holding
# only what the .vsix carries, once per platform with its binary and once
# without (vsce's prepublish, which builds, is left out of the stage's
# manifest: the build is done).
npm run --silent typecheck
npm run --silent build
STAGE="$DIST/.stage"
mkdir -p "$STAGE/out" "$STAGE/extension"
cp README.md "$STAGE/"
cp out/extension.js "$STAGE/out/"
cp -r out/webview "$STAGE/out/"
cp -r extension/media "$STAGE/extension/"
node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  delete pkg.scripts["vscode:prepublish"];
  fs.writeFileSync(process.argv[1], JSON.stringify(pkg, null, 2) + "\n");
' "$STAGE/package.json"
{ cat .vscodeignore; echo '!bin/**'; } >"$STAGE/.vscodeignore"
VSCE="$ROOT/node_modules/.bin/vsce"
package() { # [--target T] OUT
  (cd "$STAGE" && "$VSCE" package --no-dependencies --allow-missing-repository --skip-license "$@") >&2
}
for t in "${TARGETS[@]}"; do
  goos=${t%%/*}
  rest=${t#*/}
  goarch=${rest%%:*}
  target=${t#*:}
  mkdir -p "$STAGE/bin"
  install -m 0755 "$DIST/bdg-rpc-$VERSION-$goos-$goarch" "$STAGE/bin/bdg-rpc"
  package --target "$target" --out "$DIST/bdg-rpc-$VERSION-$target.vsix"
done
rm -rf "$STAGE/bin"
package --out "$DIST/bdg-rpc-$VERSION.vsix"
rm -rf "$STAGE"

(cd "$DIST" && sha256sum bdg-rpc-* >SHA256SUMS)
echo "release: $DIST holds:" >&2
ls -l "$DIST" >&2
