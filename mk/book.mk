# The book as its readers meet it: the PDF (Jupyter Book's LaTeX builder, xelatex) and the website in
# a real browser (Debian's headless Chromium driven by Python Playwright). Included by the Makefile.
# Files: tools/check_pdf.py, tools/browser_test.py, book/_latex/ (LaTeX style, fonts, bbm stub, and
# the Sphinx extension nnbook_output.py), the latex keys of _config.yml.
TEX_PACKAGES ?= texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-xetex \
                fonts-freefont-otf fonts-dejavu-core xindy latexmk poppler-utils
BROWSER_PACKAGES ?= chromium
CHROMIUM ?= /usr/bin/chromium
PLAYWRIGHT_REQ ?= playwright>=1.40
# where jupyter-book writes _build/ (as its --path-output; `.` is its default, the book's root)
BOOK_OUT ?= .
PDF := $(BOOK_OUT)/_build/latex/nnbook.pdf
HTML := $(BOOK_OUT)/_build/html
SCREENSHOTS := $(BOOK_OUT)/_build/screenshots
PDF_PAGES := $(BOOK_OUT)/_build/pdf_pages

# apt_install PACKAGES: install with apt-get (root, else sudo) what dpkg says is missing
define apt_install
missing=""
for p in $(1); do dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done
if [ -n "$$missing" ]; then
  command -v apt-get >/dev/null || { echo "please install:$$missing"; exit 1; }
  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo )
  echo "apt-get install$$missing"
  $$SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null
fi
endef

.PHONY: tex-deps pdf test-pdf browser-deps test-browser test-book-extras

tex-deps:  ## install the Debian TeX packages the PDF needs (xelatex, fonts, latexmk, poppler; apt-get)
	@start=$$(date +%s)
	$(call apt_install,$(TEX_PACKAGES))
	for tool in xelatex latexmk xindy pdftotext pdftoppm; do
	  command -v $$tool >/dev/null || { echo "tex-deps: $$tool is still missing"; exit 1; }
	done
	echo "tex-deps: present in $$(( $$(date +%s) - start )) s: $(TEX_PACKAGES)"

pdf: export mathjax  ## render the executed book to one PDF, _build/latex/nnbook.pdf (xelatex; make tex-deps)
	@start=$$(date +%s)
	command -v xelatex >/dev/null && command -v latexmk >/dev/null || { echo "pdf: no xelatex/latexmk: run make tex-deps"; exit 1; }
	rm -f $(PDF)
	# -W: a Sphinx warning fails it; LaTeX stops at its first error (the log says where)
	if ! $(BOOK_ENV) LATEXOPTS="-interaction=nonstopmode -halt-on-error" LATEXMKOPTS="-silent" \
	     $(BIN)/jupyter-book build . --builder pdflatex -W --keep-going --path-output $(BOOK_OUT); then
	  log=$(PDF:.pdf=.log)
	  if [ -f "$$log" ]; then echo "--- LaTeX errors in $$log:"; grep -A8 '^!' "$$log" | head -40 || true; fi
	  echo "pdf: FAILED"; exit 1
	fi
	test -s $(PDF) || { echo "pdf: $(PDF) was not written"; exit 1; }
	echo "pdf: $(PDF) ($$(du -h $(PDF) | cut -f1)) in $$(( $$(date +%s) - start )) s"

test-pdf: tex-deps pdf  ## the PDF has every title, section and solution, and LaTeX warned of nothing missing
	@start=$$(date +%s)
	$(BIN)/python tools/check_pdf.py --pdf $(PDF) --toc _toc.yml --png $(PDF_PAGES)
	echo "test-pdf: checked in $$(( $$(date +%s) - start )) s; pages as PNG in $(PDF_PAGES)/"

browser-deps: install  ## install Debian's chromium (apt-get) and Python Playwright (pip; no browser download)
	@start=$$(date +%s)
	$(call apt_install,$(BROWSER_PACKAGES))
	$(BIN)/python -c "import playwright.sync_api" 2>/dev/null || $(BIN)/pip install -q "$(PLAYWRIGHT_REQ)"
	$(CHROMIUM) --version 2>/dev/null
	echo "browser-deps: present in $$(( $$(date +%s) - start )) s"

test-browser: browser-deps  ## every HTML page in headless Chromium: no console error, no foreign request, math, images, solutions
	@start=$$(date +%s)
	if [ ! -f $(HTML)/index.html ]; then  # test-book has built it in CI
	  if [ "$(BOOK_OUT)" = . ]; then $(MAKE) book; else echo "test-browser: no $(HTML)/index.html"; exit 1; fi
	fi
	$(BIN)/python tools/browser_test.py --html $(HTML) --screenshots $(SCREENSHOTS) --chromium $(CHROMIUM)
	echo "test-browser: $$(( $$(date +%s) - start )) s; screenshots in $(SCREENSHOTS)/"

test-book-extras: test-pdf test-browser  ## the PDF check and the browser test (after test-book)
