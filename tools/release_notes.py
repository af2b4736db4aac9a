#!/usr/bin/env python3
"""Print the CHANGELOG.md section of one version: the notes of its GitHub release.

    python tools/release_notes.py 0.1.0          # a leading "v" is accepted: v0.1.0
    python tools/release_notes.py 0.1.0 -o notes.md

CHANGELOG.md follows Keep a Changelog: one ``## [X.Y.Z] - YYYY-MM-DD`` heading per release. The
section is everything under that heading up to the next ``## `` heading (link reference definitions
at the end of the file are left out). Exit status 1 with a message when there is no such section or
it is empty.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def section(text: str, version: str) -> str | None:
    """The body of `version`'s section in changelog `text`, stripped; None when there is none."""
    heading = re.compile(rf"^##\s+\[?{re.escape(version)}\]?(?=\s|$).*$", re.M)
    m = heading.search(text)
    if m is None:
        return None
    nxt = re.compile(r"^##\s", re.M).search(text, m.end())
    body = text[m.end(): nxt.start() if nxt else len(text)]
    body = re.sub(r"^\[[^\]]+\]:\s+\S+\s*$", "", body, flags=re.M)   # link references
    return body.strip()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="X.Y.Z or vX.Y.Z")
    parser.add_argument("-o", "--output", help="write the notes to this file instead of stdout")
    parser.add_argument("--changelog", default=str(ROOT / "CHANGELOG.md"))
    args = parser.parse_args(argv)
    version = args.version[1:] if args.version.startswith("v") else args.version
    path = Path(args.changelog)
    body = section(path.read_text(encoding="utf-8"), version) if path.is_file() else None
    if not body:
        print(f"error: {path.name} has no (or an empty) section `## [{version}] - YYYY-MM-DD`: "
              f"write the release notes there before tagging v{version}.", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(body + "\n", encoding="utf-8")
    else:
        print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
