"""Checks for `[track_processes.NAME]` (keepalived's vrrp_track_process).

keepalived's rules, resolved here once so the runtime need not know them: parameters or
`param_match` imply matching the command line; parameters without `param_match` match
exactly; `quorum_max = 0` without `quorum` means "holds while none runs"; `delay` sets both
delays unless one is given on its own. A process name (comm) is at most 15 bytes in the
kernel, so a longer one could never match: that is an error, with the fix in the message.
"""

from __future__ import annotations

import math
from typing import Any

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.model import TrackProcessConfig
from vrrpd.config.schema import RawTrackProcess
from vrrpd.config.tracking import FILE_WEIGHT, check_weight, named_tables

PARAM_MATCHES = ("exact", "partial", "initial")
COMM_BYTES = 15  # TASK_COMM_LEN - 1
MAX_QUORUM = 65535
MAX_DELAY = 3600.0
MAX_ARGUMENT = 4096  # bytes of one configured argument


def build_track_processes(
    value: Any, problems: list[ConfigProblem]
) -> tuple[TrackProcessConfig, ...]:
    """The `[track_processes.NAME]` tables that are valid (problems appended for the others)."""
    built = []
    for name, path, raw in named_tables(value, "track_processes", RawTrackProcess, problems):
        already = len(problems)
        config = _build(name, raw, path, problems)
        if len(problems) == already:
            built.append(config)
    return tuple(built)


def _build(
    name: str, raw: RawTrackProcess, path: str, problems: list[ConfigProblem]
) -> TrackProcessConfig:
    def report(key: str, message: str) -> None:
        problems.append(ConfigProblem(f"{path}.{key}", message))

    full_command = raw.full_command or raw.param_match is not None or len(raw.process) > 1
    if not raw.process or not raw.process[0]:
        report("process", 'needs a process name or program: ["haproxy"] or ["/usr/sbin/x", "-a"]')
    elif not full_command and len(raw.process[0].encode()) > COMM_BYTES:
        report(
            "process",
            f"{raw.process[0]!r} is longer than a process name can be ({COMM_BYTES} bytes); "
            "set full_command = true to match the program of the command line",
        )
    for index, argument in enumerate(raw.process):
        if "\0" in argument or len(argument.encode()) > MAX_ARGUMENT:
            report(f"process[{index}]", f"must be at most {MAX_ARGUMENT} bytes without NUL")
    if raw.param_match is not None and raw.param_match not in PARAM_MATCHES:
        choices = ", ".join(repr(choice) for choice in PARAM_MATCHES)
        report("param_match", f"must be one of {choices}, got {raw.param_match!r}")
    param_match = raw.param_match or ("exact" if len(raw.process) > 1 else "none")
    check_weight(raw.weight, FILE_WEIGHT, f"{path}.weight", problems)
    if raw.quorum_max is not None and not 0 <= raw.quorum_max <= MAX_QUORUM:
        report("quorum_max", f"must be 0..{MAX_QUORUM}, got {raw.quorum_max}")
    if raw.quorum is not None and not 1 <= raw.quorum <= MAX_QUORUM:
        report("quorum", f"must be 1..{MAX_QUORUM}, got {raw.quorum}")
    quorum = raw.quorum if raw.quorum is not None else (0 if raw.quorum_max == 0 else 1)
    if raw.quorum_max is not None and quorum > raw.quorum_max:
        report("quorum_max", f"{raw.quorum_max} is less than quorum ({quorum})")
    for key in ("delay", "fork_delay", "terminate_delay"):
        seconds = getattr(raw, key)
        if seconds is not None and not (math.isfinite(seconds) and 0 <= seconds <= MAX_DELAY):
            report(key, f"must be 0 to {MAX_DELAY:g} seconds, got {seconds}")
    both = raw.delay or 0.0
    return TrackProcessConfig(
        name=name,
        process=raw.process,
        param_match=param_match,
        full_command=full_command,
        weight=raw.weight,
        reverse=raw.reverse,
        quorum=quorum,
        quorum_max=raw.quorum_max,
        fork_delay=both if raw.fork_delay is None else raw.fork_delay,
        terminate_delay=both if raw.terminate_delay is None else raw.terminate_delay,
    )
