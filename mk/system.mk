# System (Debian) packages the checks need; `make system-deps` installs them with apt-get (root).
APT_PACKAGES ?= npm dataset-fashion-mnist

.PHONY: system-deps
system-deps:  ## install the Debian packages the build and tests need (apt-get; CI runs this)
	missing=""
	for p in $(APT_PACKAGES); do
	  if [ "$$p" = npm ] && command -v npm >/dev/null; then continue; fi
	  dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"
	done
	if [ -n "$$missing" ]; then
	  command -v apt-get >/dev/null || { echo "please install:$$missing"; exit 1; }
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo )
	  $$SUDO apt-get update -qq
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing
	fi
	echo "system packages present: $(APT_PACKAGES)"
