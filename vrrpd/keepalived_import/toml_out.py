"""Writing the converted document as TOML: sections in a fixed order, one table per instance.

Values are str, int, float, bool, lists of those and inline tables (dicts). Strings use TOML
basic-string escapes; keys that are not bare keys are quoted.
"""

from __future__ import annotations

import math
import re
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
SECTION_ORDER = (
    "global", "scripts", "track_files", "track_processes", "instances", "sync_groups"
)
_INLINE_LIST_WIDTH = 88


def render(
    document: dict[str, Any], header: str = "", comments: dict[str, list[str]] | None = None
) -> str:
    """The TOML text of `document` (`{"global": {...}, "instances": {NAME: {...}}, ...}`).

    `comments` maps a table name ("global", "instances.VI_1") to comment lines written at the
    end of that table; those of tables not written (and of "") go after the header."""
    comments = dict(comments or {})
    tables: list[tuple[str, str, dict[str, Any]]] = []  # (comment key, header, values)
    others = [section for section in document if section not in SECTION_ORDER]
    for section in (*SECTION_ORDER, *others):  # an unlisted section is still written
        value = document.get(section)
        if not value:
            continue
        if section == "global":
            tables.append(("global", "global", value))
        else:
            tables += [(f"{section}.{name}", f"{section}.{key(name)}", table)
                       for name, table in value.items()]
    parts: list[str] = [header] if header else []
    written = {name for name, _header, _values in tables}
    top = [line for name, lines in comments.items() if name not in written for line in lines]
    if top:
        parts[-1:] = [(parts[-1] if parts else "") + _comments(top)]
    parts += [_table(header_, values, comments.get(name, [])) for name, header_, values in tables]
    return "\n".join(parts)


def _table(name: str, values: dict[str, Any], comments: list[str] = ()) -> str:  # type: ignore[assignment]
    lines = [f"[{name}]"]
    lines += [f"{key(k)} = {value(v, len(key(k)) + 3)}" for k, v in values.items()]
    return "\n".join(lines) + "\n" + _comments(comments)


def _comments(lines: list[str]) -> str:
    """Comment lines (a line break inside one would end the comment: it is escaped)."""
    return "".join("# " + line.replace("\r", "\\r").replace("\n", "\\n") + "\n"
                   for line in lines)


def key(name: str) -> str:
    return name if _BARE.match(name) else string(name)


def value(item: Any, indent: int = 0) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise ValueError(f"cannot write {item} to the config")
        return repr(item)
    if isinstance(item, str):
        return string(item)
    if isinstance(item, dict):
        return "{ " + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + " }"
    if isinstance(item, list | tuple):
        inline = "[" + ", ".join(value(v) for v in item) + "]"
        if len(inline) + indent <= _INLINE_LIST_WIDTH or len(item) < 2:
            return inline
        return "[\n" + "".join(f"    {value(v)},\n" for v in item) + "]"
    raise TypeError(f"cannot write {type(item).__name__} to the config")


def string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
