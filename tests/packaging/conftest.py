"""Builds shared by the install and deb tests (each takes a minute: a venv, a wheel, pip).

They need pip to reach an index (PyPI or the machine's pip configuration) for the runtime
dependencies; VRRPD_PIP_ARGS (e.g. `--no-index --find-links DIR`) is passed to pip."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3"


def make(*args: str, timeout: float = 280) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_ARGS": os.environ.get("VRRPD_PIP_ARGS", "")}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(["make", "-s", "-C", str(ROOT), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"make {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def run_installed(root: Path, venvdir: str, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a program of the tree under `root` as if it were installed at /: a private mount
    namespace puts root/opt/vrrpd on /opt/vrrpd (the host's /opt is not touched)."""
    script = (f"mount -t tmpfs vrrpd-test /opt && mkdir -p {venvdir} && "
              f'mount --bind "{root}{venvdir}" {venvdir} && exec "$@"')
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                           "sh", *argv], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="session")
def installed_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`make install DESTDIR=...` with the default PREFIX (/usr/local) and VENVDIR."""
    if not Path(PYTHON).exists():
        pytest.skip(f"{PYTHON} missing: make install uses the system Python")
    destdir = tmp_path_factory.mktemp("destdir")
    make("install", f"DESTDIR={destdir}")
    yield destdir


@pytest.fixture(scope="session")
def deb_file() -> Path:
    """`make deb`: dist/vrrpd_VERSION_ARCH.deb (its staging tree is build/deb/root)."""
    if not Path(PYTHON).exists():
        pytest.skip(f"{PYTHON} missing: make deb uses the system Python")
    out = make("deb").stdout.strip().splitlines()[-1]
    return Path(out)
