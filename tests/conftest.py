"""Shared pytest fixtures and the end-of-session report of the fuzz tests (tests/test_fuzz.py)."""
from collections import Counter

import pytest

_FUZZ = {"cases": 0, "valid": 0, "by_kind": Counter(), "functions": set(), "known": Counter()}


@pytest.fixture(scope="session")
def fuzz_stats():
    """Counters that tests/test_fuzz.py fills: malformed-input cases tried, valid calls, known defects."""
    return _FUZZ


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print how many bad-input cases the fuzz tests threw at nnbook."""
    if not _FUZZ["cases"]:
        return
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(_FUZZ["by_kind"].items()))
    terminalreporter.write_sep("-", "nnbook fuzz summary")
    terminalreporter.write_line(
        f"nnbook fuzz: {_FUZZ['cases']} malformed-input cases tried on {len(_FUZZ['functions'])} public "
        f"callables (+ {_FUZZ['valid']} valid calls checked for finite results)")
    terminalreporter.write_line(f"  by argument kind: {kinds}")
    if _FUZZ["known"]:
        terminalreporter.write_line(
            f"  {sum(_FUZZ['known'].values())} cases hit {len(_FUZZ['known'])} known defects (tests/test_fuzz.py "
            f"KNOWN_DEFECTS, each with an xfail reproducer); every other case was rejected correctly")
