# VS Code extension targets, included by the Makefile.
#   make package          the .vsix (out/bdg-rpc.vsix), offline
#   make test-extension   type check, unit tests (node --test, against the
#                         real bin/bdg-rpc) and the end-to-end test in a real
#                         VS Code extension host (code-server, installed
#                         under .e2e/ when absent)
.PHONY: test-extension test-extension-unit test-extension-e2e package package-platform ext-deps

NPM ?= npm
EXT_STAMP := node_modules/.bdg-npm-ci

# npm ci when package-lock.json changed since the last install.
$(EXT_STAMP): package.json package-lock.json
	.ci/ensure-tools.sh node
	$(NPM) ci --no-audit --no-fund
	@touch $@

ext-deps: $(EXT_STAMP)

package: ext-deps
	$(NPM) run --silent package

test-extension: test-extension-unit test-extension-e2e

test-extension-unit: build ext-deps
	.ci/ensure-tools.sh chromium
	$(NPM) run --silent typecheck
	$(NPM) run --silent test:unit

test-extension-e2e: build package package-platform
	.ci/ensure-tools.sh chromium curl
	extension/e2e/run.sh out/bdg-rpc.vsix out/platform/bdg-rpc-$(CODE_VERSION)-$(lastword $(subst :, ,$(HOST_TARGET))).vsix

# The .vsix of this machine's platform, carrying its binary, as a release
# makes it (out/platform/): the e2e test installs it where no other
# bdg-rpc is to be found.
CODE_VERSION := $(shell sed -n 's/^const Version = "\(.*\)"$$/\1/p' rpc/protocol/doc.go)
HOST_TARGET := $(shell .ci/release.sh --host-target)
package-platform: ext-deps
	@[ -n "$(HOST_TARGET)" ] || { echo "package-platform: no release target for $$(uname -s)/$$(uname -m)" >&2; exit 1; }
	DIST=$(CURDIR)/out/platform RELEASE_TARGETS="$(HOST_TARGET)" .ci/release.sh $(CODE_VERSION)
