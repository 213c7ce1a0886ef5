#!/usr/bin/env bash
# Installs code-server (the real VS Code server and extension host) from the
# npm registry, without the downloads from elsewhere it would normally make.
# Adapted from shared/recipes/vscode-e2e/install-code-server.sh, so that a
# fresh clone has it.
#
# Usage: extension/e2e/install.sh [DEST]   (default: .e2e/code-server at the repo root)
# Prints the package directory (DEST/VERSION/package) on stdout when done.
#
# The ripgrep and node-gyp steps depend on the tarball's contents: keep the
# version pinned. 4.100.3 is VS Code 1.100.3, the last for Node 20.
set -euo pipefail
VER=4.100.3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=${1:-$ROOT/.e2e/code-server}
PKG=$DEST/$VER/package
NODEDIR=${NODEDIR:-/usr}   # a Node whose major matches code-server's (bin/node, include/node)

if [ -f "$PKG/.installed" ]; then echo "$PKG"; exit 0; fi

# Debian packages it needs: ripgrep replaces @vscode/ripgrep's download;
# libkrb5-dev, build-essential and python3 build the native addons; chromium
# runs the workbench.
missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v chromium >/dev/null || [ -x /usr/lib/chromium/chromium ] || missing+=(chromium)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
command -v g++ >/dev/null && command -v make >/dev/null || missing+=(build-essential)
command -v python3 >/dev/null || missing+=(python3)
[ -f "$NODEDIR/include/node/node.h" ] || { echo "error: no Node headers at $NODEDIR/include/node (set NODEDIR)" >&2; exit 1; }
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "e2e: apt-get install -y ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "error: missing ${missing[*]}: install them, e.g. sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "e2e: installing code-server $VER into $DEST/$VER (1-3 minutes)" >&2
rm -rf "$DEST/$VER" && mkdir -p "$DEST/$VER" && cd "$DEST/$VER"
export PATH="$NODEDIR/bin:$PATH" npm_config_nodedir="$NODEDIR" npm_config_yes=true
{
  npm pack --silent "code-server@$VER" >/dev/null
  tar xzf "code-server-$VER.tgz" && rm "code-server-$VER.tgz"
  cd package
  # 1) VS Code server deps: fetch without scripts, provide ripgrep locally (its
  #    postinstall would download from GitHub; it skips when bin/ exists), then
  #    build the native addons against the local Node headers.
  ( cd lib/vscode
    npm install --omit=dev --ignore-scripts --no-audit --no-fund
    mkdir -p node_modules/@vscode/ripgrep/bin && ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm rebuild --omit=dev
    ln -sfn node_modules node_modules.asar
    ( cd bin/remote-cli && ln -sf code-linux.sh code-server )
    ( cd bin/helpers && ln -sf browser-linux.sh browser.sh )
    cd extensions && npm install --omit=dev --no-audit --no-fund )
  # 2) code-server's own deps (argon2 only matters for password auth).
  npm install --omit=dev --ignore-scripts --no-audit --no-fund
  npm rebuild argon2 || echo "argon2 build failed (ok with --auth none)"
  XDG_CONFIG_HOME=$(mktemp -d) "$NODEDIR/bin/node" out/node/entry.js --version
} >&2
touch "$PKG/.installed"
echo "$PKG"
