"""Packaging for nnbook: every piece of metadata is read from settings.ini (nbdev's config)."""
from configparser import ConfigParser
from pathlib import Path

import setuptools

here = Path(__file__).parent
cfg = ConfigParser(delimiters=["="])
cfg.read(here / "settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]

licenses = {"apache2": "Apache-2.0"}   # settings.ini (nbdev) name -> SPDX license expression (PEP 639)
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable"]
py_versions = ["3.9", "3.10", "3.11", "3.12", "3.13"]
lic = licenses[cfg["license"]]
min_python = cfg["min_python"]

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=(here / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    url=cfg["git_url"],
    project_urls={
        "Book": f"{cfg['doc_host']}{cfg['doc_baseurl']}",
        "Source": cfg["git_url"],
        "Issues": f"{cfg['git_url']}/issues",
        "Changelog": f"{cfg['git_url']}/blob/{cfg['branch']}/CHANGELOG.md",
    },
    license_expression=lic,
    license_files=["LICENSE"],
    keywords=cfg["keywords"].split(),
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"])],
        "Intended Audience :: " + cfg["audience"].title(),
        "Natural Language :: " + cfg["language"].title(),
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ]
    + [f"Programming Language :: Python :: {v}" for v in py_versions[py_versions.index(min_python):]],
    # nnbook/starters holds data only: the exercise notebooks (`nnbook exercises` writes them out)
    packages=setuptools.find_packages(include=["nnbook", "nnbook.*"]) + ["nnbook.starters"],
    package_data={"nnbook.starters": ["*.ipynb"]},
    include_package_data=True,
    python_requires=f">={min_python}",
    install_requires=cfg["requirements"].split(),
    extras_require={
        "dev": cfg["dev_requirements"].split(),
        "torch": ["torch>=2.0"],   # nnbook.torch, the bridge of §3.8 (import nnbook never needs it)
        "bench": ["torch>=2.0", "threadpoolctl"],
    },
    entry_points={"console_scripts": cfg["console_scripts"].split()},
    zip_safe=False,
)
