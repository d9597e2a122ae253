"""Errors the io/ adapters raise, worded for the person running the daemon.

Adapters translate OSError / NetlinkError into these so the driver can catch one base
class and log a message that says what to fix, not which syscall failed.
"""

from __future__ import annotations


class VrrpIoError(Exception):
    """Base of every error raised by vrrpd.io; str() is a complete user-facing sentence."""


class NeedPrivilege(VrrpIoError):
    """The kernel said EPERM/EACCES: the daemon lacks root or the named capability."""

    def __init__(self, what: str, capability: str = "CAP_NET_RAW") -> None:
        super().__init__(f"{what}: permission denied (need root or {capability})")
        self.capability = capability


class InterfaceMissing(VrrpIoError):
    """The named or numbered interface does not exist (or was re-created with a new index)."""

    def __init__(self, interface: str | int, detail: str = "") -> None:
        text = f"interface {interface!r} not found"
        super().__init__(f"{text} ({detail})" if detail else text)
        self.interface = interface


class SendFailed(VrrpIoError):
    """A packet or frame could not be handed to the kernel; `sent` counts what did go out."""

    def __init__(self, what: str, errno: int | None, detail: str, sent: int = 0) -> None:
        super().__init__(f"{what}: {detail}")
        self.errno = errno
        self.sent = sent


class SocketFailed(VrrpIoError):
    """A socket could not be set up or read (e.g. multicast join refused on a dead link)."""

    def __init__(self, what: str, errno: int | None, detail: str) -> None:
        super().__init__(f"{what}: {detail}")
        self.errno = errno


class NetlinkFailure(VrrpIoError):
    """The kernel rejected a netlink request, or the event stream broke and needs a resync."""

    def __init__(self, what: str, code: int | None, detail: str) -> None:
        super().__init__(f"{what}: {detail}")
        self.code = code
