"""Checks for notify hooks: `notify`, `notify_master`, `notify_backup`, `notify_fault` and
`notify_timeout`, per instance and in `[global]`.

A hook is a list: an absolute program path, then fixed arguments. There is no shell and
no PATH search, so the program is checked here (exists, is a file, is executable) and a
typo fails `vrrpd check-config` instead of the first failover.
"""

from __future__ import annotations

import math
import os
from typing import Any

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.schema import RawInstance

HOOK_KEYS = ("notify_master", "notify_backup", "notify_fault", "notify")
MAX_TIMEOUT = 3600.0


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
    return fields
