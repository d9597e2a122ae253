"""Checks for tracking: `[scripts.NAME]`, `[track_files.NAME]` and each instance's
`track_interface`, `track_script`, `track_file` and `track_process` lists (keepalived's vrrp_script,
track_file and track_* blocks, with keepalived's weight ranges).

A script is run without a shell, so its program is checked like a notify hook (absolute,
exists, executable). Its `timeout` may exceed its `interval`: runs never overlap, a slow run
only delays the next one (keepalived configs often say `interval 2`, `timeout 5`). A track file
need not exist yet (a missing file counts as 0), but a path that exists must be a regular file:
reading a FIFO would block the daemon.
"""

from __future__ import annotations

import difflib
import math
import os
import stat
from collections.abc import Collection
from typing import Any

from vrrpd.config.addresses import check_interface_name
from vrrpd.config.errors import ConfigProblem
from vrrpd.config.hooks import check_command, check_timeout
from vrrpd.config.model import ScriptConfig, TrackFileConfig, TrackRef
from vrrpd.config.names import NAME_RULE, valid_name
from vrrpd.config.schema import RawInstance, RawScript, RawTrackFile, RawTrackRef
from vrrpd.config.structure import INVALID, decode_value, describe_value, join_path

SCRIPT_WEIGHT = 253  # keepalived: vrrp_script and track_interface weights are -253..253
FILE_WEIGHT = 254  # track_file weights are -254..254 (a file may hold a negative value)
MIN_INTERVAL = 0.1
MAX_SECONDS = 3600.0
MAX_COUNT = 1000  # rise and fall: consecutive results


def named_tables(
    value: Any, section: str, cls: type, problems: list[ConfigProblem]
) -> list[tuple[str, str, Any]]:
    """`(name, path, raw)` for each `[section.NAME]` table that decoded; names checked."""
    if not isinstance(value, dict):
        problems.append(ConfigProblem(section, f"expected a table, got {describe_value(value)}"))
        return []
    decoded = []
    for name, table in value.items():
        path = join_path(section, name)
        if not valid_name(name):
            problems.append(ConfigProblem(path, f"names are {NAME_RULE}"))
        raw = decode_value(table, cls, path, problems)
        if raw is not INVALID:
            decoded.append((name, path, raw))
    return decoded


def build_scripts(value: Any, problems: list[ConfigProblem]) -> tuple[ScriptConfig, ...]:
    """The `[scripts.NAME]` tables that are valid (problems appended for the others)."""
    scripts = []
    for name, path, raw in named_tables(value, "scripts", RawScript, problems):
        already = len(problems)
        script = _build_script(name, raw, path, problems)
        if len(problems) == already:
            scripts.append(script)
    return tuple(scripts)


def _build_script(
    name: str, raw: RawScript, path: str, problems: list[ConfigProblem]
) -> ScriptConfig:
    if not raw.command:
        problems.append(
            ConfigProblem(f"{path}.command", 'needs a program: ["/absolute/path", "argument", ...]')
        )
    check_command(raw.command, f"{path}.command", problems)
    if not (math.isfinite(raw.interval) and MIN_INTERVAL <= raw.interval <= MAX_SECONDS):
        problems.append(
            ConfigProblem(
                f"{path}.interval",
                f"must be {MIN_INTERVAL:g} to {MAX_SECONDS:g} seconds, got {raw.interval}",
            )
        )
    timeout = raw.interval if raw.timeout is None else raw.timeout
    if raw.timeout is not None:
        check_timeout(raw.timeout, f"{path}.timeout", problems)
    check_weight(raw.weight, SCRIPT_WEIGHT, f"{path}.weight", problems)
    for key in ("rise", "fall"):
        count = getattr(raw, key)
        if not 1 <= count <= MAX_COUNT:
            problems.append(
                ConfigProblem(f"{path}.{key}", f"must be 1..{MAX_COUNT} results, got {count}")
            )
    return ScriptConfig(
        name=name,
        command=raw.command,
        interval=raw.interval,
        timeout=timeout,
        weight=raw.weight,
        rise=raw.rise,
        fall=raw.fall,
        reverse=raw.reverse,
    )


def build_track_files(value: Any, problems: list[ConfigProblem]) -> tuple[TrackFileConfig, ...]:
    """The `[track_files.NAME]` tables that are valid (problems appended for the others)."""
    files = []
    for name, path, raw in named_tables(value, "track_files", RawTrackFile, problems):
        already = len(problems)
        _check_file(raw.file, f"{path}.file", problems)
        check_weight(raw.weight, FILE_WEIGHT, f"{path}.weight", problems)
        if len(problems) == already:
            files.append(TrackFileConfig(name=name, file=raw.file, weight=raw.weight))
    return tuple(files)


def _check_file(file: str, path: str, problems: list[ConfigProblem]) -> None:
    if not os.path.isabs(file) or "\0" in file:
        problems.append(ConfigProblem(path, f"{file!r} must be an absolute path"))
        return
    try:
        mode = os.stat(file).st_mode
    except OSError:
        return  # not there yet: it counts as 0 until it appears
    if not stat.S_ISREG(mode):
        problems.append(ConfigProblem(path, f"{file} exists but is not a regular file"))


def check_weight(weight: int, limit: int, path: str, problems: list[ConfigProblem]) -> None:
    if not -limit <= weight <= limit:
        problems.append(ConfigProblem(path, f"must be -{limit}..{limit}, got {weight}"))


def instance_tracking(
    raw: RawInstance,
    path: str,
    *,
    scripts: Collection[str],
    files: Collection[str],
    processes: Collection[str] = (),
    problems: list[ConfigProblem],
) -> dict[str, tuple[TrackRef, ...]]:
    """The instance's tracking fields (keyword arguments for InstanceConfig); `scripts`,
    `files` and `processes` are the names defined in the file, valid or not (a reference to a
    broken script is not also reported as unknown)."""
    interfaces = _refs(raw.track_interface, f"{path}.track_interface", SCRIPT_WEIGHT, problems)
    for index, ref in interfaces:
        where = _name_path(raw.track_interface, f"{path}.track_interface", index)
        check_interface_name(ref.name, where, problems)
    listed = {
        "track_script": (raw.track_script, scripts, "scripts", SCRIPT_WEIGHT),
        "track_file": (raw.track_file, files, "track_files", FILE_WEIGHT),
        "track_process": (raw.track_process, processes, "track_processes", FILE_WEIGHT),
    }
    fields = {"track_interface": tuple(ref for _, ref in interfaces)}
    for key, (items, known, section, limit) in listed.items():
        refs = _refs(items, f"{path}.{key}", limit, problems, reverse=key != "track_file")
        for index, ref in refs:
            if ref.name not in known:
                where = _name_path(items, f"{path}.{key}", index)
                problems.append(ConfigProblem(where, _unknown(ref.name, known, section)))
        fields[key] = tuple(ref for _, ref in refs)
    return fields


def _refs(
    items: tuple[str | RawTrackRef, ...],
    path: str,
    limit: int,
    problems: list[ConfigProblem],
    *,
    reverse: bool = True,
) -> list[tuple[int, TrackRef]]:
    """Each entry as a TrackRef with its list index; repeats and bad weights reported
    (and `reverse` where the kind has none: `reverse` False)."""
    refs: list[tuple[int, TrackRef]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        ref = (
            TrackRef(name=item)
            if isinstance(item, str)
            else TrackRef(item.name, item.weight, item.reverse)
        )
        item_path = f"{path}[{index}]"
        if ref.reverse is not None and not reverse:
            problems.append(
                ConfigProblem(f"{item_path}.reverse", "only interfaces and scripts can be "
                              "reversed; use a negative weight for a file")
            )
        if ref.weight is not None:
            check_weight(ref.weight, limit, f"{item_path}.weight", problems)
        if ref.name in seen:
            where = item_path if isinstance(item, str) else f"{item_path}.name"
            problems.append(
                ConfigProblem(where, f"{ref.name!r} is already tracked at [{seen[ref.name]}]")
            )
            continue
        seen[ref.name] = index
        refs.append((index, ref))
    return refs


def _name_path(items: tuple[str | RawTrackRef, ...], path: str, index: int) -> str:
    """Where entry `index`'s name is written: `list[i]` for a string, `list[i].name` for a
    table."""
    return f"{path}[{index}]" if isinstance(items[index], str) else f"{path}[{index}].name"


def _unknown(name: str, known: Collection[str], section: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{name!r} is not defined; add a [{section}.{name}] table{hint}"
