# The package as its users meet it: build the sdist and the wheel, install each into a fresh virtual
# environment without the dev extras, and use nnbook from outside the repository: import, train,
# the `nnbook` command line (tools/check_wheel.sh). Included by the Makefile.
.PHONY: test-package

test-package: install  ## build sdist + wheel, install each into a fresh venv, import nnbook, train, run the CLI
	start=$$(date +%s)
	[ -n "$${NNBOOK_DATA:-}" ] || { echo "test-package: set NNBOOK_DATA to the folder holding mnist/"; exit 1; }
	BUILD_PYTHON="$(abspath $(BIN))/python" PYTHON="$(PYTHON)" bash tools/check_wheel.sh
	echo "test-package: passed ($$(( $$(date +%s) - start )) s)"
