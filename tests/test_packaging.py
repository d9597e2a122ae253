"""The wheel must ship every package of the source tree (a missing one breaks `pip install .`)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _listed() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(data["tool"]["setuptools"]["packages"])


def test_every_vrrpd_package_is_listed_in_pyproject():
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "vrrpd").rglob("__init__.py")
    }
    assert found <= _listed(), found - _listed()


def test_netns_lab_is_packaged_from_its_folder():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "netns_lab" in _listed()
    assert data["tool"]["setuptools"]["package-dir"]["netns_lab"] == "netns-lab/netns_lab"
    assert (ROOT / "netns-lab" / "netns_lab" / "__init__.py").is_file()
