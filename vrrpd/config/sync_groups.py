"""Checks for `[sync_groups.NAME]` (keepalived's vrrp_sync_group): at least two instances,
each defined in the file and in no other group; notify hooks as for instances."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from typing import Any

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.hooks import GROUP_HOOK_KEYS, check_command, check_convention, check_timeout
from vrrpd.config.model import SyncGroupConfig
from vrrpd.config.schema import RawSyncGroup
from vrrpd.config.tracking import named_tables


def build_sync_groups(
    value: Any, instances: Collection[str], problems: list[ConfigProblem]
) -> tuple[SyncGroupConfig, ...]:
    """The valid groups; `instances` are the instance names defined in the file (valid or not,
    so a broken instance is not also reported as unknown here)."""
    groups = []
    member_of: dict[str, str] = {}
    for name, path, raw in named_tables(value, "sync_groups", RawSyncGroup, problems):
        already = len(problems)
        members_path = f"{path}.instances"
        if len(raw.instances) < 2:
            problems.append(
                ConfigProblem(
                    members_path,
                    f"needs at least two instances (a group of {len(raw.instances)} "
                    "synchronises nothing)",
                )
            )
        seen: dict[str, int] = {}
        for index, member in enumerate(raw.instances):
            where = f"{members_path}[{index}]"
            if member in seen:
                problems.append(
                    ConfigProblem(where, f"{member!r} is already listed at [{seen[member]}]")
                )
                continue
            seen[member] = index
            if member not in instances:
                problems.append(ConfigProblem(where, _unknown(member, instances)))
            elif member in member_of:
                problems.append(
                    ConfigProblem(
                        where,
                        f"{member!r} is already in sync group {member_of[member]!r}; "
                        "an instance belongs to one group at most",
                    )
                )
            else:
                member_of[member] = name
        for key in GROUP_HOOK_KEYS:
            check_command(getattr(raw, key), f"{path}.{key}", problems)
        check_timeout(raw.notify_timeout, f"{path}.notify_timeout", problems)
        check_convention(raw.notify_convention, f"{path}.notify_convention", problems)
        if len(problems) == already:
            groups.append(
                SyncGroupConfig(
                    name=name,
                    instances=raw.instances,
                    notify=raw.notify,
                    notify_master=raw.notify_master,
                    notify_backup=raw.notify_backup,
                    notify_fault=raw.notify_fault,
                    notify_stop=raw.notify_stop,
                    notify_timeout=raw.notify_timeout,
                    notify_convention=raw.notify_convention,
                )
            )
    return tuple(groups)


def _unknown(name: str, instances: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(instances), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{name!r} is not an instance; add an [instances.{name}] table{hint}"
