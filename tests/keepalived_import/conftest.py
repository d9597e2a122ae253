"""Helpers for import-keepalived tests: fixture configs with `@BIN@` pointing at real
executables in a temporary directory, and the converted config parsed back by vrrpd."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from ki_support import FIXTURES

PROGRAMS = (
    "check-nginx",
    "check-backend",
    "notify",
    "notify-all",
    "killall",
    "vrrp.sh",
    "vrrp.back",
    "vrrp.mast",
    "vrrp.fault",
    "fw-stop",
)


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory of do-nothing executables, and the only one on PATH."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for name in PROGRAMS:
        program = directory / name
        program.write_text("#!/bin/sh\nexit 0\n")
        program.chmod(0o755)
    monkeypatch.setenv("PATH", str(directory))
    return directory


@pytest.fixture
def fixture_copy(tmp_path: Path, bin_dir: Path) -> Callable[..., Path]:
    """fixture_copy("web-lb") -> a copy of that fixture with @BIN@ (and, with
    `local_bin=True`, /usr/local/bin) replaced by `bin_dir`."""

    def copy(name: str, *, local_bin: bool = False) -> Path:
        source = FIXTURES / name
        target = tmp_path / "conf" / name
        if source.is_dir():
            shutil.copytree(source, target)
            files = [p for p in target.rglob("*") if p.is_file()]
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)
            files = [target]
        for path in files:
            text = path.read_text().replace("@BIN@", str(bin_dir))
            if local_bin:
                text = text.replace("/usr/local/bin", str(bin_dir))
            path.write_text(text)
        return target

    return copy
