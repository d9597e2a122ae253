"""Where conversion notes are collected, and keepalived's words for numbers and commands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vrrpd.keepalived_import.commands import convert_command
from vrrpd.keepalived_import.keywords import LOST, Keyword
from vrrpd.keepalived_import.parser import Node, Note


@dataclass
class Notes:
    """Every note of one conversion, in the order they were found."""

    items: list[Note] = field(default_factory=list)
    section: str = ""  # the output table being filled: notes found now belong there

    def drop(
        self, node: Node, reason: str, keyword: str | None = None, *, failover: bool = True
    ) -> None:
        """`node` (or the part `keyword` of it) was left out; `failover` False only when
        losing it cannot change which node holds the VIPs or when."""
        self.items.append(
            Note(node.file, node.line, keyword or node.keyword, f"not converted ({reason})",
                 failover, self.section)
        )

    def remark(self, node: Node, text: str, keyword: str | None = None) -> None:
        """`node` was converted with a difference the user should know about."""
        self.items.append(
            Note(node.file, node.line, keyword or node.keyword, f"converted, but {text}",
                 False, self.section)
        )

    def keyword(self, node: Node, entry: Keyword) -> None:
        """A keyword the table says is lost (noted) or converted to nothing (silent)."""
        if entry.status == LOST:
            self.drop(node, entry.text, failover=entry.failover)

    def unknown(self, node: Node, where: str) -> None:
        self.drop(node, f"unknown keyword in {where}")


def one_value(node: Node, notes: Notes) -> str | None:
    """The single argument of `node`, or None (noted) when it has none or several."""
    if len(node.args) != 1:
        notes.drop(node, f"expects one value, got {len(node.args)}")
        return None
    return node.args[0]


def integer(node: Node, notes: Notes, low: int, high: int) -> int | None:
    text = one_value(node, notes)
    if text is None:
        return None
    try:
        number = int(text, 10)
    except ValueError:
        notes.drop(node, f"{text!r} is not a whole number")
        return None
    if not low <= number <= high:
        notes.drop(node, f"{number} is outside {low}..{high}")
        return None
    return number


def seconds(node: Node, notes: Notes, low: float = 0.0, high: float = 86400.0) -> float | None:
    """A number of seconds, as keepalived writes them (`1`, `0.5`)."""
    text = one_value(node, notes)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:  # also false for nan
        notes.drop(node, f"{text!r} is not a number of seconds in {low:g}..{high:g}")
        return None
    return number


def plain(number: float) -> int | float:
    """1.0 as 1 (TOML reads it back as the same number), 0.5 as 0.5."""
    return int(number) if float(number).is_integer() else number


def hook(node: Node, notes: Notes) -> tuple[str, ...] | None:
    """A notify_* command: `notify_master "/bin/x arg" [user [group]]` as an argv list."""
    if not node.args:
        notes.drop(node, "has no command")
        return None
    if len(node.args) > 1:
        notes.drop(
            node,
            f"runs as user {' '.join(node.args[1:])!r}: vrrpd runs hooks as its own user",
            keyword=f"{node.keyword} user",
        )
    return command(node, node.args[0], notes)


def command(node: Node, text: str, notes: Notes) -> tuple[str, ...] | None:
    converted = convert_command(text)
    if converted.problem is not None:
        notes.drop(node, f"{text!r} {converted.problem}")
        return None
    if converted.remark is not None:
        notes.remark(node, converted.remark)
    return converted.argv


Table = dict[str, Any]
