# The book as its readers meet it: the PDF (Jupyter Book's LaTeX builder, xelatex) and the website in
# a real browser (Debian's headless Chromium driven by Python Playwright). Included by the Makefile.
TEX_PACKAGES ?= texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-xetex \
                fonts-freefont-otf fonts-dejavu-core xindy latexmk poppler-utils
BROWSER_PACKAGES ?= chromium
CHROMIUM ?= /usr/bin/chromium
PDF := _build/latex/nnbook.pdf
PLAYWRIGHT_REQ ?= playwright>=1.40

# apt_install PACKAGES: install with apt-get what dpkg says is missing (root, or sudo)
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
	start=$$(date +%s)
	$(call apt_install,$(TEX_PACKAGES))
	command -v xelatex >/dev/null && command -v latexmk >/dev/null && command -v pdftotext >/dev/null
	echo "TeX packages present ($$(( $$(date +%s) - start )) s): $(TEX_PACKAGES)"

browser-deps: install  ## install Debian's chromium (apt-get) and Python Playwright (pip, no browser download)
	start=$$(date +%s)
	$(call apt_install,$(BROWSER_PACKAGES))
	$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/pip install -q "$(PLAYWRIGHT_REQ)"
	$(CHROMIUM) --version
	echo "browser deps present ($$(( $$(date +%s) - start )) s)"
