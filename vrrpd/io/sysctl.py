"""Per-interface sysctls under /proc/sys/net (net.ipv4.conf.IF.*, net.ipv6.conf.IF.*).

/proc/sys/net shows the network namespace of the process that opens it, so these writes
only ever change the daemon's own namespace. Writing one is a few microseconds: done on the
loop.
"""

from __future__ import annotations

from vrrpd.io.errors import NeedPrivilege, SocketFailed

ROOT = "/proc/sys/net"


def _path(family: str, ifname: str, key: str) -> str:
    if not ifname or "/" in ifname or ifname in (".", ".."):
        raise ValueError(f"invalid interface name {ifname!r}")
    return f"{ROOT}/{family}/conf/{ifname}/{key}"


def read(family: str, ifname: str, key: str) -> str | None:
    """The current value, or None when the interface or key does not exist."""
    try:
        with open(_path(family, ifname, key)) as fh:
            return fh.read().strip()
    except OSError:
        return None


def write(family: str, ifname: str, key: str, value: str) -> str | None:
    """Set a value; returns the one it replaces (None if unreadable)."""
    old = read(family, ifname, key)
    try:
        with open(_path(family, ifname, key), "w") as fh:
            fh.write(value)
    except PermissionError as exc:
        raise NeedPrivilege(f"setting {family}.conf.{ifname}.{key}", "CAP_NET_ADMIN") from exc
    except OSError as exc:
        raise SocketFailed(f"setting {family}.conf.{ifname}.{key}", exc.errno,
                           exc.strerror or str(exc)) from exc  # fmt: skip
    return old
