"""The names a user gives to instances, sync groups, scripts and track files.

A name reaches hook command lines (`notify` gets it as an argument), MQTT topics, Prometheus
labels and log lines, so it is kept to 1..64 of `A-Z a-z 0-9 _ . -` and may not start with
`-` (a hook would read it as an option) or `.` (`.` and `..` read as paths). `fullmatch`, not
`match` with `$`: `$` also matches before a trailing newline.
"""

from __future__ import annotations

import re

NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
NAME_RULE = "1 to 64 letters, digits, '_', '-' or '.', not starting with '-' or '.'"


def valid_name(name: str) -> bool:
    """True when `name` may name an instance, sync group, script or track file."""
    return NAME.fullmatch(name) is not None
