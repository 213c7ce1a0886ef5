# Neovim plugin targets, included by the Makefile.
.PHONY: test-nvim
test-nvim:
	@echo "test-nvim: no Neovim plugin yet"
