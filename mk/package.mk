# The package as its users meet it: build the sdist and the wheel, install each into a fresh virtual
# environment without the dev extras, and use nnbook from outside the repository: import, train,
# the `nnbook` command line; then every chapter notebook top to bottom in a plain Jupyter kernel of that
# environment (+ ipykernel and nbclient only), as Binder/Colab readers run it (tools/check_wheel.sh,
# tools/run_plain_notebooks.py). NOTEBOOKS="05_mlp 10_cli" runs only those; NOTEBOOKS=none skips them.
# Included by the Makefile.
.PHONY: test-package

test-package: install  ## build sdist + wheel, install each into a fresh venv, import nnbook, train, run the CLI, run every notebook in a plain kernel
	start=$$(date +%s)
	[ -n "$${NNBOOK_DATA:-}" ] || { echo "test-package: set NNBOOK_DATA to the folder holding mnist/"; exit 1; }
	BUILD_PYTHON="$(abspath $(BIN))/python" PYTHON="$(PYTHON)" bash tools/check_wheel.sh
	echo "test-package: passed ($$(( $$(date +%s) - start )) s)"
