# VS Code extension targets, included by the Makefile.
.PHONY: test-extension package
test-extension:
	@echo "test-extension: no VS Code extension yet"
package:
	@echo "package: no VS Code extension yet"
