# Neovim plugin targets, included by the Makefile.
#   make test-nvim   the plugin's unit tests, then a real session through it
#                    (headless Neovim 0.7+, bin/bdg-rpc, headless Chromium)
.PHONY: test-nvim
test-nvim: build
	.ci/ensure-tools.sh neovim chromium
	extension/nvim/test/run.sh
