"""`vrrpd import-keepalived`: a keepalived.conf as a vrrpd TOML config.

`parser` reads keepalived's syntax (comments, quotes, braces, includes) into a tree of
statements; `converter` (with `instance`, `routes`, `commands`) maps the VRRP parts onto
vrrpd's keys and records a Note for everything it cannot carry over, so nothing is dropped
silently; `toml_out` writes the result. Only the standard library is used: the command must
start as fast as `vrrpd check-config`.

    conversion = convert_file("/etc/keepalived/keepalived.conf")   # ParseError if unusable
    print(conversion.toml())
    for note in conversion.notes:
        print(note.render())        # FILE:LINE: keyword: not converted (reason)
"""

from __future__ import annotations

from vrrpd.keepalived_import.converter import Conversion, convert
from vrrpd.keepalived_import.parser import Note, ParseError, parse_file, parse_text


def convert_file(path: str) -> Conversion:
    """Read and convert the keepalived config at `path` (and what it includes)."""
    return convert(parse_file(path))


def convert_text(text: str, name: str = "<text>") -> Conversion:
    return convert(parse_text(text, name))


__all__ = ["Conversion", "Note", "ParseError", "convert_file", "convert_text"]
