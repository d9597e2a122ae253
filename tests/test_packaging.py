"""What the wheel ships: every vrrpd package, and not the lab; licence metadata."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _shipped() -> set[str]:
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    return set(find_packages(where=str(ROOT), include=find["include"]))


def test_every_vrrpd_package_is_in_the_wheel():
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "vrrpd").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found and found <= _shipped(), found - _shipped()


def test_the_lab_is_not_in_the_wheel():
    assert not any(name.startswith(("netns_lab", "tests")) for name in _shipped())
    assert "package-dir" not in PYPROJECT["tool"]["setuptools"]
    # tests find it from the checkout
    assert "netns-lab" in PYPROJECT["tool"]["pytest"]["ini_options"]["pythonpath"]


def test_spdx_licence_and_file():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) vrrpd contributors" in text


def test_no_dependency_for_pythons_we_do_not_support():
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    assert not any("tomli" in dep for dep in PYPROJECT["project"]["dependencies"])


def test_demo_and_bench_find_the_lab_from_the_checkout():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "bench", "sweep"):
        recipe = makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
        assert "$(LAB) $(PY) -m netns_lab" in recipe, target
    assert "LAB     := PYTHONPATH=netns-lab" in makefile
