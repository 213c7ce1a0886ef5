#!/usr/bin/env bash
# Installs what the tests need when it is absent, or says exactly what to do.
# Usage: .ci/ensure-tools.sh chromium [neovim] [node] ...
set -euo pipefail

need_root_apt() {
  local pkg=$1
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "error: $pkg is missing and cannot be installed automatically (need root and apt-get)." >&2
    echo "       install it yourself, e.g.: sudo apt-get install -y $pkg" >&2
    return 1
  fi
  if [ ! -f /tmp/.bdg-apt-updated ]; then
    echo "make: apt-get update" >&2
    apt-get update -qq >&2 && touch /tmp/.bdg-apt-updated
  fi
  echo "make: apt-get install -y $pkg" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2
}

have_chrome() {
  [ -n "${BDG_CHROME:-}" ] && [ -x "$BDG_CHROME" ] && return 0
  for c in /usr/lib/chromium/chromium chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$c" >/dev/null 2>&1 && return 0
  done
  return 1
}

for tool in "$@"; do
  case "$tool" in
    chromium)
      have_chrome || need_root_apt chromium || {
        echo "       or point BDG_CHROME at a Chrome or Chromium binary." >&2; exit 1; } ;;
    neovim)
      command -v nvim >/dev/null || need_root_apt neovim || exit 1 ;;
    hyperfine)
      command -v hyperfine >/dev/null || need_root_apt hyperfine || exit 1 ;;
    curl)
      command -v curl >/dev/null || need_root_apt curl || exit 1 ;;
    ripgrep)
      command -v rg >/dev/null || need_root_apt ripgrep || exit 1 ;;
    node)
      command -v node >/dev/null && command -v npm >/dev/null || need_root_apt nodejs || exit 1 ;;
    *) echo "ensure-tools: unknown tool $tool" >&2; exit 2 ;;
  esac
done
