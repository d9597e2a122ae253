"""Just enough roff (man(7) macros) to write man pages from plain text with `code` spans."""

from __future__ import annotations

import re

_CODE = re.compile(r"`([^`]+)`")


def text(words: str) -> str:
    """Plain text as one filled roff line: backslashes and hyphens escaped, `code` in bold,
    never starting with a control character."""
    escaped = " ".join(words.split()).replace("\\", "\\e").replace("-", "\\-")
    return _safe(_CODE.sub(lambda match: f"\\fB{match[1]}\\fR", escaped))


def bold(words: str) -> str:
    return f"\\fB{text(words)}\\fR"


def italic(words: str) -> str:
    return f"\\fI{text(words)}\\fR"


def header(name: str, section: int, version: str, manual: str) -> list[str]:
    """The .TH line; no date, so the page is the same whenever it is built."""
    return [f'.TH {name.upper()} {section} "" "vrrpd {version}" "{manual}"']


def section(title: str) -> str:
    return f".SH {title.upper()}"


def subsection(title: str) -> str:
    return f'.SS "{text(title)}"'


def tagged(tag: str, body: str) -> list[str]:
    """A .TP paragraph: `tag` (already roff) on its own line, `body` (plain) indented."""
    return [".TP", _safe(tag), text(body)]


def paragraph(body: str) -> list[str]:
    return [".PP", text(body)]


def example(lines: list[str]) -> list[str]:
    """Literal lines, not filled, in a monospace-friendly block."""
    return [".PP", ".nf", ".RS 4", *(_safe(line.replace("\\", "\\e").replace("-", "\\-"))
                                      for line in lines), ".RE", ".fi"]


def _safe(line: str) -> str:
    return "\\&" + line if line.startswith((".", "'")) else line
