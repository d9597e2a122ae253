"""A parsed keepalived.conf as a vrrpd config document, with a note for everything left out.

Top level: `global_defs` -> `[global]` (and per-instance defaults), `vrrp_script` ->
`[scripts.NAME]`, `vrrp_track_file` -> `[track_files.NAME]`, `vrrp_track_process` ->
`[track_processes.NAME]` (vrrpd.keepalived_import.processes), `vrrp_instance` ->
`[instances.NAME]` (vrrpd.keepalived_import.instance), `vrrp_sync_group` ->
`[sync_groups.NAME]`. Scripts, track files and processes are converted first so that an
instance can tell which of its track_script / track_file / track_process references still
point somewhere. Blocks vrrpd has
no part for (LVS virtual servers, static addresses and routes, BFD...) are noted once, at
their first line, not line by line.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any

from vrrpd.keepalived_import import toml_out
from vrrpd.keepalived_import.commands import command_text
from vrrpd.keepalived_import.instance import Defaults, convert_instance
from vrrpd.keepalived_import.keywords import GLOBAL, GLOBAL_NON_VRRP, SCRIPT, TOP_LEVEL, UNKNOWN
from vrrpd.keepalived_import.notes import Notes, Table, command, hook, integer, plain, seconds
from vrrpd.keepalived_import.parser import Node, Note, Parsed
from vrrpd.keepalived_import.processes import track_process

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
GLOBAL_DEFAULTS = {  # global_defs keyword -> (vrrpd instance key, low, high)
    "vrrp_garp_master_delay": ("garp_master_delay", 0.0, 3600.0),
    "vrrp_garp_master_refresh": ("garp_master_refresh", 0.0, 86400.0),
    "vrrp_garp_interval": ("garp_interval", 0.0, 1.0),
}
RFC_GROUPS = {"vrrp_mcast_group4": "224.0.0.18", "vrrp_mcast_group6": "ff02::12"}
FIFO_KEYS = ("notify_fifo", "vrrp_notify_fifo")
GROUP_NOTIFY_KEYS = ("notify_master", "notify_backup", "notify_fault", "notify_stop", "notify")


@dataclass
class Conversion:
    document: dict[str, Any]
    notes: list[Note]
    files: list[str]

    def toml(self) -> str:
        """The config, each note a comment in the table it concerns (else at the top)."""
        header = "# Converted from " + ", ".join(self.files) + " by vrrpd import-keepalived.\n"
        comments: dict[str, list[str]] = {}
        for note in self.notes:
            comments.setdefault(note.section, []).append(note.render())
        return toml_out.render(self.document, header, comments)

    @property
    def lost(self) -> list[Note]:
        """Notes of things not converted."""
        return [note for note in self.notes if note.lost]

    @property
    def failover_lost(self) -> list[Note]:
        """Notes of lost things that change failover (a check, VIP, route, hook...)."""
        return [note for note in self.notes if note.lost and note.failover]


def convert(parsed: Parsed) -> Conversion:
    notes = Notes(list(parsed.notes))
    # imported hooks are called as keepalived calls them: existing scripts run unchanged
    document: dict[str, Any] = {"global": {"notify_convention": "keepalived"}}
    defaults = Defaults()
    by_kind: dict[str, list[Node]] = {}
    for node in parsed.nodes:
        by_kind.setdefault(node.keyword, []).append(node)
    notes.section = "global"
    for node in by_kind.pop("global_defs", []):
        _global_defs(node, document, defaults, notes)
    notes.section = ""
    scripts = _named(by_kind.pop("vrrp_script", []), _script, notes, "scripts")
    files = _named(
        by_kind.pop("vrrp_track_file", []) + by_kind.pop("track_file", []),
        _track_file,
        notes,
        "track_files",
    )
    processes = _named(
        by_kind.pop("vrrp_track_process", []), track_process, notes, "track_processes"
    )
    known = {"scripts": set(scripts), "files": set(files), "processes": set(processes)}
    instances: dict[str, Table] = {}
    for node in by_kind.pop("vrrp_instance", []):
        notes.section = f"instances.{node.args[0]}" if node.args else ""
        converted = convert_instance(node, defaults, known, notes)
        if converted is not None and _new_name(node, converted[0], instances, notes):
            instances[converted[0]] = converted[1]
    groups = _named(
        by_kind.pop("vrrp_sync_group", []),
        lambda n, ns: _sync_group(n, instances, ns),
        notes,
        "sync_groups",
    )
    notes.section = ""
    for nodes in by_kind.values():
        for node in nodes:
            entry = TOP_LEVEL.get(node.keyword, UNKNOWN)
            notes.drop(node, entry.text if entry is not UNKNOWN else "unknown top-level keyword",
                       failover=entry.failover)
    for key, section in (
        ("scripts", scripts),
        ("track_files", files),
        ("track_processes", processes),
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


def _named(nodes: list[Node], build: Any, notes: Notes, section: str) -> dict[str, Table]:
    """`vrrp_script NAME { ... }` and its kind: `{NAME: table}` of those that converted."""
    tables: dict[str, Table] = {}
    for node in nodes:
        if len(node.args) != 1 or node.children is None:
            notes.drop(node, "needs one name and a { } block")
            continue
        notes.section = f"{section}.{node.args[0]}"
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
        elif key == "default_interface" and len(child.args) == 1:
            defaults.interface = child.args[0]
        elif key in RFC_GROUPS:
            _mcast_group(child, notes)
        elif key in FIFO_KEYS:
            _fifo(child, section, notes)
        elif key in GLOBAL or key in GLOBAL_NON_VRRP:
            notes.keyword(child, GLOBAL.get(key) or GLOBAL_NON_VRRP[key])
        else:
            notes.unknown(child, "global_defs")


def _mcast_group(node: Node, notes: Notes) -> None:
    """The RFC group needs nothing; another group means peers vrrpd would never hear."""
    try:
        same = len(node.args) == 1 and ip_address(node.args[0]) == ip_address(
            RFC_GROUPS[node.keyword]
        )
    except ValueError:
        same = False
    if not same:
        notes.drop(node, f"vrrpd sends to and listens on the RFC group {RFC_GROUPS[node.keyword]}")


def _fifo(node: Node, section: Table, notes: Notes) -> None:
    """`notify_fifo PATH [user [group]]`: one FIFO in vrrpd (keepalived may write two)."""
    if not node.args or not node.args[0].startswith("/"):
        notes.drop(node, "needs an absolute path")
        return
    if len(node.args) > 1:
        notes.drop(node, "vrrpd creates the FIFO as its own user", keyword=f"{node.keyword} user",
                   failover=False)
    path = node.args[0]
    if section.get("notify_fifo", path) != path:
        notes.drop(node, f"vrrpd writes one FIFO; lines go to {section['notify_fifo']}")
        return
    section["notify_fifo"] = path


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
            reverse = len(child.args) == 2 and child.args[1] == "reverse"
            value = dataclasses.replace(child, args=child.args[:1]) if reverse else child
            if (weight := integer(value, notes, -253, 253)) is not None:
                table["weight"] = weight
                if reverse:
                    table["reverse"] = True
        elif key in ("rise", "fall"):
            if (count := integer(child, notes, 1, 1000)) is not None:
                table[key] = count
        elif key in ("user", "init_fail"):
            notes.keyword(child, SCRIPT[key])
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
        elif key in GROUP_NOTIFY_KEYS:
            if (argv := hook(child, notes)) is not None:
                table[key] = list(argv)
                table["notify_convention"] = "keepalived"
        elif key in ("track_interface", "track_script", "track_file", "track_process"):
            notes.drop(child, "track it in each member instance instead")
        elif key in ("smtp_alert", "notify_priority_changes"):
            notes.drop(child, "vrrpd sends no mail; use a notify hook or MQTT"
                       if key == "smtp_alert" else "vrrpd reports priorities in its status",
                       failover=False)
        elif key in ("global_tracking", "sync_group_tracking_weight"):
            notes.drop(child, "vrrpd applies each member's own tracking weights")
        else:
            notes.unknown(child, "vrrp_sync_group")
    if len(members) < 2:
        notes.drop(node, f"a vrrpd sync group needs two converted instances, got {members}")
        return None
    return {"instances": members, **table}
