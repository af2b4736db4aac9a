"""The repository's metadata agrees with itself: settings.ini is the one source of the package name,
version and repository URL; setup.py, nnbook/__init__.py, the book's _config.yml (launch buttons,
"edit this page" links), the workflows and the release tooling must all say the same thing."""
import re
import shutil
import subprocess
import sys
from configparser import ConfigParser
from pathlib import Path
from unittest import mock

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
CHECK_TAG = ROOT / "tools" / "check_release_tag.py"
RELEASE_NOTES = ROOT / "tools" / "release_notes.py"


@pytest.fixture(scope="module")
def cfg():
    parser = ConfigParser(delimiters=["="])
    parser.read(ROOT / "settings.ini", encoding="utf-8")
    return parser["DEFAULT"]


@pytest.fixture(scope="module")
def book_config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def setup_kwargs():
    """The keyword arguments setup.py passes to setuptools.setup (nothing is built)."""
    import runpy

    import setuptools

    with mock.patch.object(setuptools, "setup") as fake_setup:
        runpy.run_path(str(ROOT / "setup.py"), run_name="__main__")
    assert fake_setup.call_count == 1
    return fake_setup.call_args.kwargs


def _norm_url(url: str) -> str:
    url = url.strip().rstrip("/")
    return url[:-4] if url.endswith(".git") else url


def _run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


# --- one repository URL ---------------------------------------------------------------------------

def test_git_url_is_a_github_repository(cfg):
    m = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+)", _norm_url(cfg["git_url"]))
    assert m, f"settings.ini git_url must be https://github.com/OWNER/REPO, got {cfg['git_url']!r}"
    assert m.group(1).lower() == cfg["user"].lower(), "settings.ini `user` must be the owner in git_url"
    assert m.group(2) == cfg["repo"], "settings.ini `repo` must be the repository name in git_url"


def test_book_repository_matches_settings(cfg, book_config):
    repo = book_config.get("repository") or {}
    assert _norm_url(repo.get("url", "")) == _norm_url(cfg["git_url"]), (
        f"_config.yml repository.url ({repo.get('url')!r}) must equal settings.ini git_url "
        f"({cfg['git_url']!r}): launch buttons and 'edit this page' links use it. Edit _config.yml.")
    assert repo.get("branch") == cfg["branch"], (
        f"_config.yml repository.branch ({repo.get('branch')!r}) must equal settings.ini branch "
        f"({cfg['branch']!r}).")


def test_book_url_is_the_github_pages_site_of_the_repository(cfg):
    owner, name = _norm_url(cfg["git_url"]).split("/")[-2:]
    assert cfg["doc_host"].rstrip("/") == f"https://{owner.lower()}.github.io", (
        "settings.ini doc_host must be the GitHub Pages host of git_url's owner (ci.yml deploys there)")
    assert cfg["doc_baseurl"].rstrip("/") == f"/{name}", (
        "settings.ini doc_baseurl must be /REPO (the GitHub Pages path ci.yml deploys to)")


def test_setup_takes_name_version_and_urls_from_settings(cfg, setup_kwargs):
    git_url = cfg["git_url"]
    assert setup_kwargs["name"] == cfg["lib_name"]
    assert setup_kwargs["version"] == cfg["version"]
    assert setup_kwargs["url"] == git_url
    assert setup_kwargs["project_urls"] == {
        "Book": f"{cfg['doc_host']}{cfg['doc_baseurl']}",
        "Source": git_url,
        "Issues": f"{git_url}/issues",
        "Changelog": f"{git_url}/blob/{cfg['branch']}/CHANGELOG.md",
    }
    assert setup_kwargs["long_description_content_type"] == "text/markdown"
    assert setup_kwargs["long_description"] == (ROOT / "README.md").read_text(encoding="utf-8")


def test_console_scripts_point_at_existing_functions(setup_kwargs):
    for spec in setup_kwargs["entry_points"]["console_scripts"]:
        name, target = (part.strip() for part in spec.split("="))
        module, func = target.split(":")
        path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
        assert path.is_file(), f"console script {name!r} runs {target}, but {path.relative_to(ROOT)} does not exist"
        assert re.search(rf"^def {re.escape(func)}\(", path.read_text(encoding="utf-8"), re.M), (
            f"console script {name!r} runs {target}, but {path.relative_to(ROOT)} defines no {func}()")


# --- one version ----------------------------------------------------------------------------------

def test_package_version_matches_settings(cfg):
    text = (ROOT / "nnbook" / "__init__.py").read_text(encoding="utf-8")
    m = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.M)
    assert m, "nnbook/__init__.py defines no __version__ (nbdev_export writes it: put_version_in_init)"
    assert m.group(1) == cfg["version"], (
        f"nnbook.__version__ is {m.group(1)!r} but settings.ini has {cfg['version']!r}: run `make export`.")


def test_changelog_has_a_section_for_the_version(cfg):
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(cfg['version'])}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M), (
        f"CHANGELOG.md needs a heading `## [{cfg['version']}] - YYYY-MM-DD` for the version in settings.ini")


# --- the release-tag check (as the release workflow runs it) --------------------------------------

def test_check_tag_accepts_v_plus_the_settings_version(cfg):
    r = _run(CHECK_TAG, f"v{cfg['version']}")
    assert r.returncode == 0, r.stderr
    assert f"v{cfg['version']}" in r.stdout and "matches" in r.stdout


def test_check_tag_reads_the_tag_from_the_environment(cfg):
    r = subprocess.run([sys.executable, str(CHECK_TAG)], cwd=ROOT, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "TAG": f"v{cfg['version']}"}, timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("bad", ["v99.0.0", "{version}", "V{version}", "v{version}.post1", "release-{version}"])
def test_check_tag_rejects_other_tags_with_a_clear_message(cfg, bad):
    tag = bad.format(version=cfg["version"])
    r = _run(CHECK_TAG, tag)
    assert r.returncode == 1
    assert f"cannot release {tag}" in r.stderr
    assert "settings.ini" in r.stderr and f"'v{cfg['version']}'" in r.stderr, r.stderr


def test_check_tag_without_a_tag_is_a_usage_error():
    r = subprocess.run([sys.executable, str(CHECK_TAG)], cwd=ROOT, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert r.returncode == 2 and "usage" in r.stderr.lower()


def _fake_repo(tmp_path, version="1.2.3", init_version="1.2.3", changelog="## [1.2.3] - 2026-01-01\n\n- x\n"):
    (tmp_path / "tools").mkdir()
    shutil.copy(CHECK_TAG, tmp_path / "tools")
    (tmp_path / "settings.ini").write_text(f"[DEFAULT]\nversion = {version}\n", encoding="utf-8")
    (tmp_path / "nnbook").mkdir()
    (tmp_path / "nnbook" / "__init__.py").write_text(f'__version__ = "{init_version}"\n', encoding="utf-8")
    if changelog is not None:
        (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n{changelog}", encoding="utf-8")
    return tmp_path / "tools" / "check_release_tag.py"


def test_check_tag_in_a_consistent_repository(tmp_path):
    assert _run(_fake_repo(tmp_path), "v1.2.3").returncode == 0


def test_check_tag_rejects_a_stale_package_version(tmp_path):
    r = _run(_fake_repo(tmp_path, init_version="1.2.2"), "v1.2.3")
    assert r.returncode == 1 and "__version__" in r.stderr and "make export" in r.stderr


def test_check_tag_rejects_a_release_without_changelog_section(tmp_path):
    r = _run(_fake_repo(tmp_path, changelog="## [1.2.2] - 2025-01-01\n\n- x\n"), "v1.2.3")
    assert r.returncode == 1 and "CHANGELOG.md" in r.stderr


# --- release notes from CHANGELOG.md --------------------------------------------------------------

def test_release_notes_are_the_changelog_section(cfg):
    r = _run(RELEASE_NOTES, f"v{cfg['version']}")
    assert r.returncode == 0, r.stderr
    notes = r.stdout
    assert notes.strip() and not notes.lstrip().startswith("##")
    assert not re.search(r"^## ", notes, re.M), "the notes must stop at the next version's heading"
    assert not re.search(r"^\[[^\]]+\]:\s", notes, re.M), "link reference definitions are left out"


def test_release_notes_stop_at_the_next_section(tmp_path):
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## [Unreleased]\n\n## [2.0.0] - 2026-02-02\n\n### Added\n\n- new\n\n"
                         "## [1.0.0] - 2026-01-01\n\n- old\n\n[2.0.0]: https://example.invalid/2\n",
                         encoding="utf-8")
    r = _run(RELEASE_NOTES, "2.0.0", "--changelog", changelog)
    assert r.returncode == 0 and r.stdout == "### Added\n\n- new\n"
    assert _run(RELEASE_NOTES, "1.0.0", "--changelog", changelog).stdout == "- old\n"
    missing = _run(RELEASE_NOTES, "3.0.0", "--changelog", changelog)
    assert missing.returncode == 1 and "3.0.0" in missing.stderr


# --- the workflows use what the repository defines ------------------------------------------------

def test_mnist_cache_key_file_lists_the_loader_checksums():
    listed = dict(line.split()[::-1] for line in (ROOT / "tools" / "mnist.md5").read_text().splitlines() if line)
    assert sorted(listed) == sorted(["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                     "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
    loader = (ROOT / "nnbook" / "mnist.py").read_text(encoding="utf-8")
    for name, md5 in listed.items():
        assert re.search(rf'"{re.escape(name)}",\s*"{md5}"', loader), (
            f"tools/mnist.md5 lists {md5} for {name}, which nnbook/mnist.py does not check: the CI cache "
            f"key (hashFiles('tools/mnist.md5')) must change exactly when the data does")


def _workflow(name):
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def test_ci_workflow_caches_mnist_and_deploys_pages_from_main():
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    assert "hashFiles('tools/mnist.md5')" in text
    assert "nnbook.load_mnist()" in text and "make test" in text and "make system-deps" in text
    deploy = _workflow("ci.yml")["jobs"]["deploy"]
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "refs/heads/main" in deploy["if"] and "push" in deploy["if"]


def test_release_workflow_checks_the_tag_and_publishes_by_trusted_publishing(cfg):
    wf = _workflow("release.yml")
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    on = wf.get("on", wf.get(True))          # PyYAML reads the key `on` as True
    assert on == {"push": {"tags": ["v*"]}}
    assert "tools/check_release_tag.py" in text and "tools/release_notes.py" in text
    pypi = wf["jobs"]["pypi"]
    assert pypi["permissions"] == {"id-token": "write"}
    assert pypi["environment"]["name"] == "pypi"
    assert pypi["environment"]["url"] == f"https://pypi.org/project/{cfg['lib_name']}/"
    publish = [s for s in pypi["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert len(publish) == 1 and not {"password", "user"} & set(publish[0].get("with") or {}), (
        "trusted publishing passes no password or API token to the publish action")
    assert "secrets." not in text, "the release workflow needs no stored secret"


def test_every_action_is_pinned_by_commit_sha_with_its_version():
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = re.match(r"\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
            if m and not m.group(1).startswith(("./", "docker://")):
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", m.group(1)) and re.search(
                    r"#\s*v\d", m.group(2)), f"{path.name}:{n}: pin {m.group(1)} by full SHA with `# vX.Y.Z`"
