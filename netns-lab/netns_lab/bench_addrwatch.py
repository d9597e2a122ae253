"""Address watch, run inside a host namespace (stdlib only, a script): when did a set of
addresses all appear?

The scale bench asks "how long until all N VIPs are up" on a host. Polling `ip addr` costs a
process per poll (CPU the daemons under test compete for) and rounds to the poll interval;
this agent listens to rtnetlink address events instead, so each time is the kernel's own
moment to within a scheduling delay, whatever N is.

Output lines: `READY t`, then `ALL t_first t_last` once every wanted address is present (or
`TIMEOUT t have want`); t is CLOCK_MONOTONIC, like time.monotonic() in the bench.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import struct
import sys
import time

RTMGRP_IPV4_IFADDR = 0x10
RTMGRP_IPV6_IFADDR = 0x100
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFA_ADDRESS, IFA_LOCAL = 1, 2
SO_RCVBUFFORCE = 33
_HDR = struct.Struct("=IHHII")
_IFADDR = struct.Struct("=BBBBI")
_RTA = struct.Struct("=HH")


def parse(data: bytes) -> list[tuple[int, str]]:
    """(message type, address) for every RTM_NEWADDR / RTM_DELADDR in a netlink datagram."""
    found, offset = [], 0
    while offset + _HDR.size <= len(data):
        length, kind, _flags, _seq, _pid = _HDR.unpack_from(data, offset)
        if length < _HDR.size:
            break
        if kind in (RTM_NEWADDR, RTM_DELADDR) and length >= _HDR.size + _IFADDR.size:
            family = _IFADDR.unpack_from(data, offset + _HDR.size)[0]
            attrs, local = {}, None
            pos, end = offset + _HDR.size + _IFADDR.size, offset + length
            while pos + _RTA.size <= end:
                rta_len, rta_type = _RTA.unpack_from(data, pos)
                if rta_len < _RTA.size:
                    break
                attrs[rta_type] = data[pos + _RTA.size : pos + rta_len]
                pos += (rta_len + 3) & ~3
            local = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
            if local is not None and family in (socket.AF_INET, socket.AF_INET6):
                found.append((kind, socket.inet_ntop(family, local)))
        offset += (length + 3) & ~3
    return found


def agent_argv(want: list[str], *, timeout: float, out: str) -> list[str]:
    """The command line that runs this agent with the current interpreter."""
    script = os.path.abspath(__file__)
    return [sys.executable, "-I", "-S", script, "--timeout", repr(timeout), "--out", out, *want]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("want", nargs="+", help="addresses that must all be present")
    parser.add_argument("--timeout", type=float, default=30.0, help="give up after (s)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if not 0 < args.timeout <= 600:
        parser.error("timeout must be in (0, 600] seconds")
    want = {str(ipaddress.ip_address(a)) for a in args.want}
    have: set[str] = set()
    first = None
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((0, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR))
    # the addresses already there count too (present before we listened)
    request = _HDR.pack(_HDR.size + 8, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    sock.send(request + _IFADDR.pack(socket.AF_UNSPEC, 0, 0, 0, 0))
    deadline = time.monotonic() + args.timeout
    with open(args.out, "w", encoding="ascii") as out:
        out.write(f"READY {time.monotonic():.6f}\n")
        out.flush()
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            try:
                data = sock.recv(1 << 20)
            except TimeoutError:
                break
            now = time.monotonic()
            for kind, address in parse(data):
                if address not in want:
                    continue
                if kind == RTM_NEWADDR:
                    have.add(address)
                    first = first if first is not None else now
                else:
                    have.discard(address)
            if have == want:
                out.write(f"ALL {first:.6f} {now:.6f}\n")
                return 0
        out.write(f"TIMEOUT {time.monotonic():.6f} {len(have)} {len(want)}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
