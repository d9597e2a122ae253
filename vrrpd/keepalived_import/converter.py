"""A parsed keepalived.conf as a vrrpd config document, with a note for everything left out.

Top level: `global_defs` -> `[global]` (and per-instance defaults), `vrrp_script` ->
`[scripts.NAME]`, `vrrp_track_file` -> `[track_files.NAME]`, `vrrp_instance` ->
`[instances.NAME]` (vrrpd.keepalived_import.instance), `vrrp_sync_group` ->
`[sync_groups.NAME]`. Scripts and track files are converted first so that an instance can
tell which of its track_script / track_file references still point somewhere. Blocks vrrpd has
no part for (LVS virtual servers, static addresses and routes, BFD...) are noted once, at
their first line, not line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from vrrpd.keepalived_import import toml_out
from vrrpd.keepalived_import.commands import command_text
from vrrpd.keepalived_import.instance import Defaults, convert_instance
from vrrpd.keepalived_import.notes import Notes, Table, command, hook, integer, plain, seconds
from vrrpd.keepalived_import.parser import Node, Note, Parsed

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
OTHER_BLOCKS = {
    "virtual_server": "LVS virtual servers are not part of vrrpd",
    "virtual_server_group": "LVS virtual servers are not part of vrrpd",
    "static_ipaddress": "vrrpd manages only the VIPs of its instances",
    "static_routes": "vrrpd manages only the virtual routes of its instances",
    "static_rules": "vrrpd manages only the virtual rules of its instances",
    "linkbeat_interfaces": "vrrpd watches links through netlink",
    "bfd_instance": "vrrpd has no BFD",
    "vrrp_track_process": "vrrpd tracks interfaces, scripts and files only",
    "garp_group": "vrrpd sends GARPs on the instance's interface only",
    "net_namespace": "run vrrpd inside the namespace instead",
    "net_namespace_ipvs": "vrrpd does not drive LVS",
    "instance": "run one vrrpd per node",
    "use_pid_dir": "vrrpd keeps no pid files",
    "child_wait_time": "vrrpd runs as one process",
}
GLOBAL_DEFAULTS = {  # global_defs keyword -> (vrrpd instance key, low, high)
    "vrrp_garp_master_delay": ("garp_master_delay", 0.0, 3600.0),
    "vrrp_garp_master_refresh": ("garp_master_refresh", 0.0, 86400.0),
    "vrrp_garp_interval": ("garp_interval", 0.0, 1.0),
}
GLOBAL_DROPPED = {
    "vrrp_mcast_group4": "vrrpd uses the RFC group 224.0.0.18",
    "vrrp_mcast_group6": "vrrpd uses the RFC group ff02::12",
    "enable_script_security": "vrrpd runs hooks and scripts without a shell, as its own user",
    "script_user": "vrrpd runs hooks and scripts as its own user",
    "vrrp_strict": "vrrpd always follows the RFC on the wire",
    "notify_fifo": "vrrpd publishes state changes over MQTT instead",
    "vrrp_notify_fifo": "vrrpd publishes state changes over MQTT instead",
}
GLOBAL_MAIL = (
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_connect_timeout",
    "smtp_helo_name",
    "smtp_alert",
    "smtp_alert_vrrp",
    "smtp_alert_checker",
    "email_faults",
)


@dataclass
class Conversion:
    document: dict[str, Any]
    notes: list[Note]
    files: list[str]

    def toml(self) -> str:
        header = "# Converted from " + ", ".join(self.files) + " by vrrpd import-keepalived.\n"
        return toml_out.render(self.document, header)


def convert(parsed: Parsed) -> Conversion:
    notes = Notes(list(parsed.notes))
    document: dict[str, Any] = {}
    defaults = Defaults()
    by_kind: dict[str, list[Node]] = {}
    for node in parsed.nodes:
        by_kind.setdefault(node.keyword, []).append(node)
    for node in by_kind.pop("global_defs", []):
        _global_defs(node, document, defaults, notes)
    scripts = _named(by_kind.pop("vrrp_script", []), _script, notes)
    files = _named(
        by_kind.pop("vrrp_track_file", []) + by_kind.pop("track_file", []), _track_file, notes
    )
    known = {"scripts": set(scripts), "files": set(files)}
    instances: dict[str, Table] = {}
    for node in by_kind.pop("vrrp_instance", []):
        converted = convert_instance(node, defaults, known, notes)
        if converted is not None and _new_name(node, converted[0], instances, notes):
            instances[converted[0]] = converted[1]
    groups = _named(
        by_kind.pop("vrrp_sync_group", []), lambda n, ns: _sync_group(n, instances, ns), notes
    )
    for nodes in by_kind.values():
        for node in nodes:
            reason = OTHER_BLOCKS.get(node.keyword)
            notes.drop(node, reason or "unknown top-level keyword")
    for key, section in (
        ("scripts", scripts),
        ("track_files", files),
        ("instances", instances),
        ("sync_groups", groups),
    ):
        if section:
            document[key] = section
    ordered = sorted(
        notes.items,
        key=lambda n: (parsed.files.index(n.file) if n.file in parsed.files else 0, n.line),
    )
    return Conversion(document, ordered, parsed.files)


def _new_name(node: Node, name: str, seen: dict[str, Any], notes: Notes) -> bool:
    if not NAME.match(name):
        notes.drop(node, f"name {name!r}: vrrpd names are 1 to 64 letters, digits, '_', '-', '.'")
        return False
    if name in seen:
        notes.drop(node, f"{name!r} is defined twice; the first one is kept")
        return False
    return True


def _named(nodes: list[Node], build: Any, notes: Notes) -> dict[str, Table]:
    """`vrrp_script NAME { ... }` and its kind: `{NAME: table}` of those that converted."""
    tables: dict[str, Table] = {}
    for node in nodes:
        if len(node.args) != 1 or node.children is None:
            notes.drop(node, "needs one name and a { } block")
            continue
        table = build(node, notes)
        if table is not None and _new_name(node, node.args[0], tables, notes):
            tables[node.args[0]] = table
    return tables


def _global_defs(node: Node, document: dict[str, Any], defaults: Defaults, notes: Notes) -> None:
    section = document.setdefault("global", {})
    for child in node.children or []:
        key = child.keyword
        if key == "router_id" and len(child.args) == 1:
            section["router_id"] = child.args[0]
        elif key == "vrrp_version":
            defaults.version = integer(child, notes, 2, 3)
        elif key == "vrrp_startup_delay":
            if (delay := seconds(child, notes, 0.0, 3600.0)) is not None:
                section["startup_delay"] = plain(delay)
        elif key in GLOBAL_DEFAULTS:
            vrrpd_key, low, high = GLOBAL_DEFAULTS[key]
            if (value := seconds(child, notes, low, high)) is not None:
                defaults.garp[vrrpd_key] = plain(value)
        elif key == "vrrp_garp_master_repeat":
            if (repeat := integer(child, notes, 1, 100)) is not None:
                defaults.garp["garp_master_repeat"] = repeat
        elif key == "vrrp_gna_interval":
            defaults.gna_interval = seconds(child, notes, 0.0, 1.0)
        elif key in GLOBAL_DROPPED:
            notes.drop(child, GLOBAL_DROPPED[key])
        elif key in GLOBAL_MAIL:
            notes.drop(child, "vrrpd sends no mail; use a notify hook or MQTT")
        else:
            notes.drop(child, "no vrrpd equivalent in global_defs")
    if not section:
        del document["global"]


def _script(node: Node, notes: Notes) -> Table | None:
    """`vrrp_script NAME { script "..."; interval; timeout; weight; rise; fall }`."""
    table: Table = {}
    ok = True
    for child in node.children or []:
        key = child.keyword
        if key == "script":
            argv = command(child, command_text(child.args), notes) if child.args else None
            if argv is None:
                ok = False
                if not child.args:
                    notes.drop(child, "has no command")
            else:
                table["command"] = list(argv)
        elif key in ("interval", "timeout"):
            if (value := seconds(child, notes, 0.0, 3600.0)) is not None:
                table[key] = plain(value)
        elif key == "weight":
            if len(child.args) == 2 and child.args[1] == "reverse":
                notes.drop(child, "reversed weights have no vrrpd equivalent")
                ok = False
            elif (weight := integer(child, notes, -253, 253)) is not None:
                table["weight"] = weight
        elif key in ("rise", "fall"):
            if (count := integer(child, notes, 1, 1000)) is not None:
                table[key] = count
        elif key in ("user", "init_fail"):
            notes.drop(
                child,
                "vrrpd runs scripts as its own user and starts them as failed"
                if key == "user"
                else "no vrrpd equivalent",
            )
        else:
            notes.unknown(child, "vrrp_script")
    if "command" not in table or not ok:
        why = "a line of it cannot be converted" if ok is False else "it has no script line"
        notes.drop(node, f"{why}; instances tracking {node.args[0]!r} lose that check")
        return None
    return {"command": table.pop("command"), **table}


def _track_file(node: Node, notes: Notes) -> Table | None:
    """`vrrp_track_file NAME { file "/path"; weight W }`."""
    table: Table = {}
    for child in node.children or []:
        if child.keyword == "file" and len(child.args) == 1:
            table["file"] = child.args[0]
        elif child.keyword == "weight":
            if len(child.args) == 2 and child.args[1] == "reverse":
                notes.drop(child, "reversed weights have no vrrpd equivalent")
                return None
            if (weight := integer(child, notes, -254, 254)) is not None:
                table["weight"] = weight
        elif child.keyword == "init_file":
            notes.drop(child, "vrrpd reads a missing file as 0 and never writes it")
        else:
            notes.unknown(child, "vrrp_track_file")
    if "file" not in table:
        notes.drop(node, "has no file")
        return None
    return table


def _sync_group(node: Node, instances: dict[str, Table], notes: Notes) -> Table | None:
    """`vrrp_sync_group NAME { group { VI_1 VI_2 }; notify_* }`."""
    members: list[str] = []
    table: Table = {}
    for child in node.children or []:
        key = child.keyword
        if key == "group":
            for entry in child.children or []:
                for name in entry.words():
                    if name in instances:
                        members.append(name)
                    else:
                        notes.drop(
                            entry, f"member {name!r} is not a converted instance", keyword="group"
                        )
        elif key in ("notify_master", "notify_backup", "notify_fault", "notify"):
            if (argv := hook(child, notes)) is not None:
                table[key] = list(argv)
                notes.remark(child, "vrrpd appends GROUP NEW_STATE OLD_STATE to its arguments")
        elif key in ("track_interface", "track_script", "track_file"):
            notes.drop(child, "track it in each member instance instead")
        elif key in ("smtp_alert", "global_tracking", "sync_group_tracking_weight", "notify_stop"):
            notes.drop(child, "no vrrpd equivalent")
        else:
            notes.unknown(child, "vrrp_sync_group")
    if len(members) < 2:
        notes.drop(node, f"a vrrpd sync group needs two converted instances, got {members}")
        return None
    return {"instances": members, **table}
