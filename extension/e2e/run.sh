#!/usr/bin/env bash
# The end-to-end test of the VS Code extension: installs code-server under
# .e2e/ when absent (install.sh), builds the driver, and runs it on VSIX.
# Screenshots go to testdata/e2e-screenshots/ (git-ignored).
# Usage: extension/e2e/run.sh VSIX [PLATFORM_VSIX]
#   (make test-extension-e2e builds both: PLATFORM_VSIX is this machine's
#   platform .vsix, carrying its binary, as make release makes it)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VSIX=$(realpath "${1:?usage: run.sh VSIX}")
CS=$("$ROOT/extension/e2e/install.sh")
node "$ROOT/extension/build.mjs" --tests
PLATFORM_VSIX=${2:+$(realpath "$2")}
exec node "$ROOT/out/e2e/driver.js" "$CS" "$VSIX" "$ROOT/testdata/e2e-screenshots" ${PLATFORM_VSIX:+"$PLATFORM_VSIX"}
