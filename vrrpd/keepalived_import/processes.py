"""keepalived's `vrrp_track_process NAME { ... }` as `[track_processes.NAME]`.

The keywords keep their names and meanings in vrrpd (vrrpd.config.track_process resolves
keepalived's implied rules the same way: parameters imply the command line, `delay` sets both
delays), so the block converts line by line; only `weight W reverse` becomes two keys.
"""

from __future__ import annotations

import dataclasses

from vrrpd.config.track_process import MAX_DELAY, MAX_QUORUM, PARAM_MATCHES
from vrrpd.keepalived_import.notes import Notes, Table, integer, one_value, plain, seconds
from vrrpd.keepalived_import.parser import Node

DELAYS = ("delay", "fork_delay", "terminate_delay")


def track_process(node: Node, notes: Notes) -> Table | None:
    """The table, or None (noted) when the block names no process to count."""
    table: Table = {}
    for child in node.children or []:
        key = child.keyword
        if key == "process":
            if child.args:
                table["process"] = list(child.args)
            else:
                notes.drop(child, "has no process name")
        elif key == "param_match":
            if (value := one_value(child, notes)) is None:
                continue
            if value in PARAM_MATCHES:
                table["param_match"] = value
            else:
                notes.drop(child, f"{value!r}: vrrpd matches {', '.join(PARAM_MATCHES)}")
        elif key == "full_command":
            table["full_command"] = True
        elif key == "quorum":
            if (count := integer(child, notes, 1, MAX_QUORUM)) is not None:
                table["quorum"] = count
        elif key == "quorum_max":
            if (count := integer(child, notes, 0, MAX_QUORUM)) is not None:
                table["quorum_max"] = count
        elif key in DELAYS:
            if (value := seconds(child, notes, 0.0, MAX_DELAY)) is not None:
                table[key] = plain(value)
        elif key == "weight":
            _weight(child, table, notes)
        else:
            notes.unknown(child, "vrrp_track_process")
    if "process" not in table:
        notes.drop(node, f"it has no process line; instances tracking {node.args[0]!r} lose "
                   "that check")
        return None
    return {"process": table.pop("process"), **table}


def _weight(node: Node, table: Table, notes: Notes) -> None:
    """`weight W [reverse]`: the weight and, when written, `reverse = true`."""
    reverse = len(node.args) == 2 and node.args[1] == "reverse"
    value = dataclasses.replace(node, args=node.args[:1]) if reverse else node
    if (weight := integer(value, notes, -254, 254)) is not None:
        table["weight"] = weight
        if reverse:
            table["reverse"] = True
