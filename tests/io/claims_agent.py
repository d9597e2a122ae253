"""Runs a vrrpd.io.claims operation inside a network namespace and prints JSON lines.

`ip netns exec NS python claims_agent.py COMMAND ...` (sockets belong to the namespace of
the process that opens them). Output: optional {"ready": true}, then one result object.
Every wait is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
from ipaddress import ip_address

from ns_agent import collect, emit  # the same folder: sys.path[0] when run as a script


def as_json(claim) -> dict:
    return {"address": str(claim.address), "mac": claim.mac, "kind": claim.kind}


def cmd_open(args: argparse.Namespace) -> None:
    from vrrpd.io.claims import ClaimSocket
    from vrrpd.io.errors import VrrpIoError

    try:
        ClaimSocket(args.ifname, args.ifindex, args.family).close()
    except VrrpIoError as exc:
        emit({"error": type(exc).__name__, "message": str(exc)})
    else:
        emit({"ok": True})


def cmd_watch(args: argparse.Namespace) -> None:
    from vrrpd.io.claims import ClaimSocket

    index = socket.if_nametoindex(args.ifname)
    with ClaimSocket(args.ifname, index, args.family) as sock:
        emit({"ready": True})
        got = asyncio.run(collect(sock, args.timeout, args.count, as_json))
    emit({"claims": got})


def cmd_probe(args: argparse.Namespace) -> None:
    from vrrpd.io.claims import ClaimSocket, probe_frame
    from vrrpd.io.garp import FrameSender

    index = socket.if_nametoindex(args.ifname)
    with open(f"/sys/class/net/{args.ifname}/address") as f:
        mac = f.read().strip()
    target = ip_address(args.target)
    frame = probe_frame(mac, ip_address(args.src), target, args.dst_mac)
    with ClaimSocket(args.ifname, index, target.version) as sock:
        sender = FrameSender(index)
        try:
            sender.send([frame])
        finally:
            sender.close()
        got = asyncio.run(collect(sock, args.timeout, 1, as_json))
    emit({"claims": got})


def cmd_send(args: argparse.Namespace) -> None:
    from vrrpd.io.garp import FrameSender

    sender = FrameSender(socket.if_nametoindex(args.ifname))
    try:
        emit({"sent": sender.send([bytes.fromhex(h) for h in args.frames])})
    finally:
        sender.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("open")
    p.add_argument("ifname")
    p.add_argument("ifindex", type=int)
    p.add_argument("family", type=int)
    p.set_defaults(run=cmd_open)
    p = sub.add_parser("watch")
    p.add_argument("ifname")
    p.add_argument("family", type=int)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--count", type=int, default=0)
    p.set_defaults(run=cmd_watch)
    p = sub.add_parser("probe")
    p.add_argument("ifname")
    p.add_argument("src")
    p.add_argument("target")
    p.add_argument("--dst-mac", default=None)
    p.add_argument("--timeout", type=float, default=3.0)
    p.set_defaults(run=cmd_probe)
    p = sub.add_parser("send")
    p.add_argument("ifname")
    p.add_argument("frames", nargs="+")
    p.set_defaults(run=cmd_send)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
