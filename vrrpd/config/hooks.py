"""Checks for notify hooks: `notify`, `notify_master`, `notify_backup`, `notify_fault`,
`notify_stop`, `notify_master_rx_lower_pri`, `notify_timeout` and `notify_convention`, per
instance and in `[global]`, and the global `notify_fifo`.

`notify_convention` says what a hook is told (vrrpd.notify): "vrrpd" appends
`INSTANCE NEW OLD PRIORITY` to every hook; "keepalived" calls the generic `notify` with
`INSTANCE NAME STATE PRIORITY` and the state hooks with only their own arguments, so scripts
written for keepalived run unchanged.

A hook is a list: an absolute program path, then fixed arguments. There is no shell and
no PATH search, so the program is checked here (exists, is a file, is executable) and a
typo fails `vrrpd check-config` instead of the first failover.
"""

from __future__ import annotations

import math
import os
import stat
from typing import Any

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.schema import RawInstance

HOOK_KEYS = (
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify_master_rx_lower_pri",
    "notify",
)
GROUP_HOOK_KEYS = ("notify_master", "notify_backup", "notify_fault", "notify_stop", "notify")
CONVENTIONS = ("vrrpd", "keepalived")
MAX_TIMEOUT = 3600.0
MAX_FIFO_PATH = 4095


def check_convention(value: str | None, path: str, problems: list[ConfigProblem]) -> None:
    if value is not None and value not in CONVENTIONS:
        choices = " or ".join(repr(c) for c in CONVENTIONS)
        problems.append(ConfigProblem(path, f"must be {choices}, got {value!r}"))


def check_fifo(value: str | None, path: str, problems: list[ConfigProblem]) -> None:
    """An absolute path; it is created (as keepalived does) if it does not exist at start."""
    if value is None:
        return
    if not os.path.isabs(value) or "\0" in value or len(value) > MAX_FIFO_PATH:
        problems.append(ConfigProblem(path, f"{value!r} must be an absolute path"))
    elif os.path.exists(value) and not stat.S_ISFIFO(os.stat(value).st_mode):
        problems.append(ConfigProblem(path, f"{value} exists and is not a FIFO"))
    elif not os.path.isdir(os.path.dirname(value)):
        problems.append(ConfigProblem(path, f"directory {os.path.dirname(value)} does not exist"))


def check_command(argv: tuple[str, ...], path: str, problems: list[ConfigProblem]) -> None:
    """An empty list means no hook; otherwise argv[0] must be a runnable program."""
    if not argv:
        return
    program = argv[0]
    where = f"{path}[0]"
    if not os.path.isabs(program):
        problem = (
            f"{program!r} must be an absolute path (hooks run without a shell or PATH; "
            "put arguments in the following list items)"
        )
    elif not os.path.exists(program):
        problem = f"{program} does not exist"
    elif not os.path.isfile(program):
        problem = f"{program} is not a regular file"
    elif not os.access(program, os.X_OK):
        problem = f"{program} is not executable (chmod +x)"
    else:
        problem = None
    if problem is not None:
        problems.append(ConfigProblem(where, problem))
    for index, argument in enumerate(argv):
        if "\0" in argument:
            problems.append(ConfigProblem(f"{path}[{index}]", "contains a NUL character"))


def check_timeout(seconds: float, path: str, problems: list[ConfigProblem]) -> None:
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        problems.append(
            ConfigProblem(
                path, f"must be more than 0 and at most {MAX_TIMEOUT:g} seconds, got {seconds}"
            )
        )


def instance_hooks(raw: RawInstance, path: str, problems: list[ConfigProblem]) -> dict[str, Any]:
    """The hook fields of an InstanceConfig (keyword arguments), problems appended."""
    fields: dict[str, Any] = {}
    for key in HOOK_KEYS:
        argv = getattr(raw, key)
        check_command(argv, f"{path}.{key}", problems)
        fields[key] = argv
    check_timeout(raw.notify_timeout, f"{path}.notify_timeout", problems)
    fields["notify_timeout"] = raw.notify_timeout
    check_convention(raw.notify_convention, f"{path}.notify_convention", problems)
    fields["notify_convention"] = raw.notify_convention
    return fields
