#!/usr/bin/env bash
# The Neovim plugin's tests (make test-nvim): the unit suite, then the end
# to end suite against bin/bdg-rpc and headless Chromium, each in its own
# headless Neovim under `timeout`, with throwaway state directories.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD

if ! command -v nvim >/dev/null; then
  echo "test-nvim: nvim not found; install it: apt-get install -y neovim" >&2
  exit 1
fi
version=$(nvim --version | sed -n '1s/^NVIM v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
read -r major minor <<<"${version:-0 0}"
if [ "$major" -eq 0 ] && [ "$minor" -lt 7 ]; then
  echo "test-nvim: Neovim 0.7 or newer is needed, found $(nvim --version | head -1)" >&2
  exit 1
fi

export BDG_RPC=${BDG_RPC:-$root/bin/bdg-rpc}
if [ ! -x "$BDG_RPC" ]; then
  echo "test-nvim: $BDG_RPC is missing: run make build" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bdg-nvim-test.XXXXXX")
export BDG_NVIM_TEST_HOME=$tmp/bdg-home
# Stop whatever a killed run left behind, then remove the temporary files:
# the sessions, and the Chrome the e2e suite started as a user's browser
# (a process group of its own; its pid in user-chrome.pid, its profile in
# $tmp).
cleanup() {
  if [ -f "$tmp/user-chrome.pid" ]; then
    pid=$(cat "$tmp/user-chrome.pid")
    if [ -n "$pid" ] && grep -qF "$tmp/user-chrome" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  fi
  if [ -d "$BDG_NVIM_TEST_HOME/sessions" ]; then
    for dir in "$BDG_NVIM_TEST_HOME"/sessions/*/; do
      [ -S "$dir/worker.sock" ] || continue
      BDG_HOME=$BDG_NVIM_TEST_HOME timeout 30 "$BDG_RPC" stop --session "$(basename "$dir")" >/dev/null 2>&1 || true
    done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_STATE_HOME=$tmp/state XDG_CACHE_HOME=$tmp/cache
# PATH without any directory holding a bdg-rpc, for the install suite.
path_without_bdg=$(printf '%s' "$PATH" | tr ':' '\n' | while IFS= read -r d; do
  [ -n "$d" ] && [ ! -x "$d/bdg-rpc" ] && printf '%s:' "$d"
done)
path_without_bdg=${path_without_bdg%:}
export PATH=$root/bin:$PATH

run() {
  local suite=$1 limit=$2 start status
  start=$(date +%s.%N)
  status=0
  BDG_NVIM_SUITES=$suite timeout -k 10 "$limit" \
    nvim --headless -u NONE -i NONE -n --cmd "set rtp^=$root/extension/nvim" \
    -c "luafile $root/extension/nvim/test/run.lua" || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "test-nvim: the $suite suite did not finish within $limit s (killed)" >&2
  fi
  awk -v s="$suite" -v r="$([ "$status" -eq 0 ] && echo passed || echo FAILED)" -v a="$start" -v b="$(date +%s.%N)" \
    'BEGIN { printf "test-nvim: %s suite %s in %.1f s\n", s, r, b - a }'
  return "$status"
}

if command -v luacheck >/dev/null; then
  (cd extension/nvim && luacheck --formatter plain lua plugin test) || exit 1
  echo "test-nvim: luacheck passed"
else
  echo "test-nvim: luacheck not installed, lint skipped (apt-get install -y lua-check)"
fi

run unit 120
run e2e 300

# The plugin as a user installs it: a copy of the repository's files (as a
# plugin manager clones it), built by its hook (make build), the plugin on
# 'runtimepath' from there, no path set and no bdg-rpc on PATH.
copy=$tmp/plugin-repo
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$copy"
make -s -C "$copy" build
run_install() {
  local start status=0
  start=$(date +%s.%N)
  BDG_NVIM_SUITES=install BDG_NVIM_INSTALL_ROOT=$copy PATH=$path_without_bdg timeout -k 10 240 \
    nvim --headless -u NONE -i NONE -n --cmd "set rtp^=$copy/extension/nvim" \
    -c "luafile $root/extension/nvim/test/run.lua" || status=$?
  awk -v r="$([ "$status" -eq 0 ] && echo passed || echo FAILED)" -v a="$start" -v b="$(date +%s.%N)" \
    'BEGIN { printf "test-nvim: install suite %s in %.1f s\n", r, b - a }'
  return "$status"
}
run_install
