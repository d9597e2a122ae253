"""Native journald entries: structured fields over the journal's datagram socket.

Under systemd, plain lines on stderr reach the journal as one MESSAGE; written natively, each
log field becomes a journal field, so `journalctl VRRP_INSTANCE=VI_1` filters and
`journalctl -o verbose` shows VRRP_STATE, VRRP_OLD_STATE, VRRP_REASON... This module speaks
the journal's native protocol (stdlib only, no libsystemd): one datagram per entry, each field
`NAME=value\\n`, or for a value with a newline `NAME\\n` + 64-bit little-endian length + value
+ `\\n`. The socket is non-blocking: an entry the journal cannot take at once is not sent
(`send` returns False and the caller writes its plain line instead), so a busy journald
never stalls the event loop.
"""

from __future__ import annotations

import re
import socket
import struct
from collections.abc import Mapping

JOURNAL_SOCKET = "/run/systemd/journal/socket"
IDENTIFIER = "vrrpd"
_NOT_NAME = re.compile(r"[^A-Z0-9_]")


def field_name(key: str, prefix: str = "VRRP_") -> str:
    """A structlog key as a journal field name: upper case, [A-Z0-9_], at most 64 chars,
    never starting with '_' (reserved for trusted fields) or a digit."""
    name = prefix + _NOT_NAME.sub("_", key.upper())
    return name.lstrip("_")[:64] or "VRRP_FIELD"


def encode(fields: Mapping[str, str]) -> bytes:
    """One entry in the journal export format the native socket reads."""
    out = bytearray()
    for name, value in fields.items():
        data = value.encode("utf-8", "replace")
        key = name.encode("ascii")
        if b"\n" in data:
            out += key + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"
        else:
            out += key + b"=" + data + b"\n"
    return bytes(out)


def decode(entry: bytes) -> list[tuple[str, str]]:
    """The fields of one encoded entry, in order (the inverse of `encode`, for tests and
    tools; raises ValueError on a malformed entry)."""
    fields = []
    pos = 0
    while pos < len(entry):
        end = entry.find(b"\n", pos)
        if end < 0:
            raise ValueError("entry does not end in a newline")
        line = entry[pos:end]
        if b"=" in line:
            name, _, value = line.partition(b"=")
            pos = end + 1
        else:
            name = line
            if len(entry) < end + 9:
                raise ValueError(f"field {name!r}: no room for its 64-bit length")
            (size,) = struct.unpack_from("<Q", entry, end + 1)
            start = end + 9
            value = entry[start : start + size]
            if entry[start + size : start + size + 1] != b"\n":
                raise ValueError(f"field {name!r}: length {size} does not end in a newline")
            pos = start + size + 1
        fields.append((name.decode("ascii"), value.decode("utf-8", "replace")))
    return fields


class JournalSocket:
    """A connected, non-blocking datagram socket to journald."""

    def __init__(self, path: str = JOURNAL_SOCKET) -> None:
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self._sock.setblocking(False)
            self._sock.connect(path)
        except OSError:
            self._sock.close()
            raise

    def send(self, fields: Mapping[str, str]) -> bool:
        """True when journald took the entry; False when it could not (full, gone, too big)."""
        try:
            self._sock.send(encode(fields))
        except OSError:
            return False
        return True

    def close(self) -> None:
        self._sock.close()


def available(path: str = JOURNAL_SOCKET) -> JournalSocket | None:
    """A socket to journald at `path`, or None when nothing listens there."""
    try:
        return JournalSocket(path)
    except OSError:
        return None
