"""The host's interface addresses for `vrrpd check-config`, read with one stdlib rtnetlink
dump (no pyroute2, no `ip` binary: check-config must start fast and run anywhere).

Only what the VIP conflict check needs: address, prefix length and whether vrrpd added it
(IFA_PROTO, see vrrpd.io.netlink.VRRPD_ADDR_PROTO). Any failure means "unknown": the caller
skips the host checks rather than fail a config check on an unreadable host.
"""

from __future__ import annotations

import os
import socket
import struct
from ipaddress import IPv4Interface, IPv6Interface, ip_interface

HostAddress = tuple[IPv4Interface | IPv6Interface, bool]  # (address, added by vrrpd)

VRRPD_ADDR_PROTO = 0x56  # kept equal to vrrpd.io.netlink.VRRPD_ADDR_PROTO (a test checks)
RTM_GETADDR = 22
RTM_NEWADDR = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_DONE, NLMSG_ERROR = 3, 2
IFA_ADDRESS, IFA_LOCAL, IFA_PROTO = 1, 2, 11
MAX_BYTES = 16 * 1024 * 1024  # a dump larger than this is not worth reading for a check
TIMEOUT = 2.0


def _align(n: int) -> int:
    return (n + 3) & ~3


def _parse(data: bytes, out: dict[int, list[HostAddress]]) -> bool:
    """Add the addresses in one netlink read to `out`; True once the dump is complete."""
    offset = 0
    while offset + 16 <= len(data):
        length, kind, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, offset)
        if length < 16:
            return True
        if kind == NLMSG_DONE:
            return True
        if kind == NLMSG_ERROR:
            raise OSError("netlink dump refused")
        if kind == RTM_NEWADDR:
            family, prefixlen, _f, _scope, index = struct.unpack_from("=BBBBI", data, offset + 16)
            attrs: dict[int, bytes] = {}
            pos = offset + 16 + 8
            while pos + 4 <= offset + length:
                alen, atype = struct.unpack_from("=HH", data, pos)
                if alen < 4:
                    break
                attrs[atype & 0x3FFF] = data[pos + 4:pos + alen]
                pos += _align(alen)
            raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
            if raw is not None and family in (socket.AF_INET, socket.AF_INET6):
                address = ip_interface((socket.inet_ntop(family, raw), prefixlen))
                proto = attrs.get(IFA_PROTO, b"\0")[0]
                out.setdefault(index, []).append((address, proto == VRRPD_ADDR_PROTO))
        offset += _align(length)
    return False


def host_addresses() -> dict[str, list[HostAddress]] | None:
    """Interface name -> addresses (both families), or None when netlink cannot be read."""
    try:
        names = {index: name for index, name in socket.if_nameindex()}
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as sock:
            sock.settimeout(TIMEOUT)
            sock.bind((0, 0))
            header = struct.pack("=IHHII", 16 + 8, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1,
                                 os.getpid())
            sock.send(header + struct.pack("=BBBBI", socket.AF_UNSPEC, 0, 0, 0, 0))
            by_index: dict[int, list[HostAddress]] = {}
            total = 0
            while total < MAX_BYTES:
                data = sock.recv(65536)
                total += len(data)
                if not data or _parse(data, by_index):
                    break
    except (OSError, ValueError):
        return None
    return {names[i]: found for i, found in by_index.items() if i in names}
