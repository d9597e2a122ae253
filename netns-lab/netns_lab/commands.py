"""Bounded wrappers around the external tools the lab drives (ip, nft, sysctl)."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterable, Mapping, Sequence

from .errors import CommandError, LabError, LabTimeout

DEFAULT_TIMEOUT = 10.0


def run(
    argv: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    check: bool = True,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run argv to completion with captured text output; never waits longer than timeout."""
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise LabTimeout(f"{shlex.join(argv)} did not finish within {timeout}s") from exc
    except FileNotFoundError as exc:
        raise LabError(f"{argv[0]} not found: {exc}") from exc
    if check and done.returncode != 0:
        raise CommandError(argv, done.returncode, done.stdout, done.stderr)
    return done


def ip_batch(lines: Iterable[str], *, netns: str | None = None, timeout: float = DEFAULT_TIMEOUT):
    """Run many `ip` commands in one process: building a lab costs one fork per namespace."""
    argv = ["ip", *(["-n", netns] if netns else []), "-batch", "-"]
    return run(argv, input="".join(f"{line}\n" for line in lines), timeout=timeout)


def list_netns() -> list[str]:
    """Names of all named network namespaces (the `(id: N)` suffix stripped)."""
    out = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def netns_pids(name: str) -> list[int]:
    """Pids of processes living in the namespace; empty if it is gone."""
    done = run(["ip", "netns", "pids", name], check=False)
    if done.returncode != 0:
        return []
    return [int(tok) for tok in done.stdout.split() if tok.isdigit()]
