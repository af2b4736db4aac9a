#!/usr/bin/env python3
"""Check that a release tag names the version the repository is about to publish.

    python tools/check_release_tag.py v0.1.0      # or: TAG=v0.1.0 python tools/check_release_tag.py

The tag must be exactly ``v`` + ``version`` from settings.ini (the single source of the package
version, read by setup.py). nnbook/__init__.py's ``__version__`` (written by nbdev_export) and a
CHANGELOG.md section for the version must agree too, or the package and its release notes would
say something else than the tag. Exit status 0 when everything agrees, 1 with a message otherwise,
2 on a usage error. The release workflow runs this before it builds anything.
"""
from __future__ import annotations

import os
import re
import sys
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_version(root: Path = ROOT) -> str:
    cfg = ConfigParser(delimiters=["="])
    cfg.read(root / "settings.ini", encoding="utf-8")
    return cfg["DEFAULT"]["version"].strip()


def init_version(root: Path = ROOT) -> str | None:
    init = root / "nnbook" / "__init__.py"
    if not init.is_file():
        return None
    m = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", init.read_text(encoding="utf-8"), re.M)
    return m.group(1) if m else None


def changelog_has(version: str, root: Path = ROOT) -> bool:
    path = root / "CHANGELOG.md"
    if not path.is_file():
        return False
    pattern = re.compile(rf"^##\s+\[?{re.escape(version)}\]?(\s|$)", re.M)
    return bool(pattern.search(path.read_text(encoding="utf-8")))


def problems(tag: str, root: Path = ROOT) -> list[str]:
    """Everything that stops `tag` from being released; empty when it can be."""
    version = settings_version(root)
    expected = f"v{version}"
    found = []
    if tag != expected:
        found.append(
            f"the tag {tag!r} does not match the version in settings.ini ({version!r}): "
            f"the release of {version} must be tagged {expected!r}. Either bump `version` in "
            f"settings.ini to {tag[1:] if tag.startswith('v') else tag!r} (then `make export`, update "
            f"CHANGELOG.md, commit) and tag that commit, or delete the tag (git tag -d {tag}; "
            f"git push origin :refs/tags/{tag}) and push {expected!r} instead.")
    in_init = init_version(root)
    if in_init != version:
        found.append(
            f"nnbook/__init__.py has __version__ = {in_init!r} but settings.ini has {version!r}: "
            f"run `make export` (nbdev_export writes the version) and commit.")
    if not changelog_has(version, root):
        found.append(
            f"CHANGELOG.md has no section for {version} (a heading `## [{version}] - YYYY-MM-DD`): "
            f"the release notes are taken from it. Add one and commit.")
    return found


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print(f"usage: {Path(__file__).name} [TAG]   (default: $TAG, then $GITHUB_REF_NAME)", file=sys.stderr)
        return 2
    tag = argv[0] if argv else os.environ.get("TAG") or os.environ.get("GITHUB_REF_NAME", "")
    if not tag:
        print("error: no tag given. Usage: python tools/check_release_tag.py v0.1.0 (or TAG=v0.1.0)",
              file=sys.stderr)
        return 2
    found = problems(tag)
    if found:
        print(f"error: cannot release {tag}:", file=sys.stderr)
        for p in found:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"ok: tag {tag} matches settings.ini version {settings_version()} "
          f"(nnbook.__version__ and CHANGELOG.md agree)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
