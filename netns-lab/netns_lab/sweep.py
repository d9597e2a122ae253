"""Removing lab namespaces and whatever still runs inside them (teardown and leftovers)."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import signal
from collections.abc import Iterable

from . import commands
from .errors import LabError
from .waiting import wait_until

_SAFE_GLOB = re.compile(r"^[a-z][a-z0-9]")  # never let a bare "*" sweep foreign namespaces


def kill_netns_processes(name: str, timeout: float = 3.0) -> list[int]:
    """SIGTERM everything in the namespace, SIGKILL what remains after timeout."""
    pids = commands.netns_pids(name)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in commands.netns_pids(name):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        try:
            wait_until(lambda: not commands.netns_pids(name), timeout, 0.05)
            break
        except TimeoutError:
            continue
    return pids


def remove_netns(names: Iterable[str], timeout: float = 3.0) -> list[str]:
    """Kill the processes in each namespace and delete it; returns those still present."""
    names = list(names)
    present = set(commands.list_netns())
    for name in names:
        if name in present:
            kill_netns_processes(name, timeout)
            commands.run(["ip", "netns", "del", name], check=False)
    left = set(commands.list_netns())
    return [name for name in names if name in left]


def sweep(prefix_glob: str) -> list[str]:
    """Remove every namespace named `<prefix_glob>-*` (and its processes); return their names."""
    if not isinstance(prefix_glob, str) or not _SAFE_GLOB.match(prefix_glob):
        raise ValueError(f"sweep glob {prefix_glob!r} must start with two literal [a-z0-9] chars")
    pattern = f"{prefix_glob}-*"
    names = [n for n in commands.list_netns() if fnmatch.fnmatchcase(n, pattern)]
    left = remove_netns(names)
    if left:
        raise LabError(f"could not remove namespaces: {left}")
    return names
