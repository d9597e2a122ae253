"""Starting the VRRP speakers the lab compares: keepalived (reference) and vrrpd (ours).

Each instance gets its own config, socket, pid and log files in the lab's directory, so
several daemons share one filesystem without stepping on each other.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .host import Netns
from .keepalived import KEEPALIVED
from .processes import LabProcess

# netns-lab/netns_lab/daemons.py -> the repository root that holds the vrrpd package
_REPO_ROOT = Path(__file__).resolve().parents[2]


def unique_name(netns: Netns, base: str) -> str:
    """`base`, or `base-2`, `base-3`... if a file of that name is already in the lab dir."""
    name, n = base, 1
    while any(netns.workdir.glob(f"{name}.*")):
        n += 1
        name = f"{base}-{n}"
    return name


def start_keepalived(
    netns: Netns,
    config_text: str,
    *,
    name: str | None = None,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    executable: str = KEEPALIVED,
) -> LabProcess:
    """keepalived in the foreground, logging to its console (our log file)."""
    name = unique_name(netns, name or f"keepalived-{netns.name}")
    files = {
        key: netns.workdir / f"{name}.{suffix}"
        for key, suffix in (
            ("config", "conf"),
            ("pid", "pid"),
            ("vrrp_pid", "vrrp.pid"),
            ("checker_pid", "check.pid"),
        )
    }
    files["config"].write_text(config_text)
    argv = [
        executable,
        "-f",
        str(files["config"]),
        "-n",
        "-l",
        "-D",
        "-p",
        str(files["pid"]),
        "-r",
        str(files["vrrp_pid"]),
        "-c",
        str(files["checker_pid"]),
        "--no-syslog",
        "--log-console",
        *extra_args,
    ]
    proc = netns.popen(argv, name=name, env=env)
    proc.files.update(files)
    return proc


def vrrpd_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Make `python -m vrrpd` importable from a source checkout that is not pip-installed."""
    merged = dict(env or {})
    if (_REPO_ROOT / "vrrpd" / "__init__.py").is_file():
        paths = [str(_REPO_ROOT), merged.get("PYTHONPATH", os.environ.get("PYTHONPATH", ""))]
        merged["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return merged


def start_vrrpd(
    netns: Netns,
    config_text: str,
    *,
    name: str | None = None,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    python: str = sys.executable,
) -> LabProcess:
    """`python -m vrrpd run -c CONF --socket SOCK`; proc.files has config, socket and log."""
    name = unique_name(netns, name or f"vrrpd-{netns.name}")
    config = netns.workdir / f"{name}.toml"
    socket_path = netns.workdir / f"{name}.sock"
    config.write_text(config_text)
    argv = [python, "-m", "vrrpd", "run", "-c", str(config), "--socket", str(socket_path)]
    proc = netns.popen([*argv, *extra_args], name=name, env=vrrpd_env(env))
    proc.files.update(config=config, socket=socket_path)
    return proc
