"""Runs one vrrpd.io operation inside a network namespace and prints JSON lines.

Tests start it with `ip netns exec NS python ns_agent.py COMMAND ...` because sockets belong
to the namespace of the process that opens them. Heavy imports stay inside the commands so
the `open` command also runs under a plain system Python as an unprivileged user.

Output: optional {"ready": true} once sockets are open, then exactly one result object.
Every wait here is bounded by --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from ipaddress import ip_address, ip_interface

FAMILIES = {"4": socket.AF_INET, "6": socket.AF_INET6}


def emit(obj: dict) -> None:
    print(json.dumps(obj), flush=True)


def received_json(item) -> dict:
    return {
        "src": str(item.src),
        "dst": str(item.dst),
        "ttl": item.ttl,
        "payload": item.payload.hex(),
    }


async def collect(sock, timeout: float, count: int, to_json=received_json) -> list[dict]:
    """Read from `sock` via loop.add_reader until `count` items or `timeout` seconds."""
    loop = asyncio.get_running_loop()
    got: list[dict] = []
    enough = asyncio.Event()

    def readable() -> None:
        while (item := sock.recv()) is not None:
            got.append(to_json(item))
        if count and len(got) >= count:
            enough.set()

    loop.add_reader(sock.fileno(), readable)
    try:
        await asyncio.wait_for(enough.wait(), timeout)
    except TimeoutError:
        pass
    finally:
        loop.remove_reader(sock.fileno())
    return got


def cmd_open(args: argparse.Namespace) -> None:
    from vrrpd.io.errors import VrrpIoError
    from vrrpd.io.rawsock import VrrpSocket

    try:
        VrrpSocket(args.ifname, args.ifindex, FAMILIES[args.family]).close()
    except VrrpIoError as exc:
        emit({"error": type(exc).__name__, "message": str(exc)})
    else:
        emit({"ok": True})


def cmd_listen(args: argparse.Namespace) -> None:
    from vrrpd.io.rawsock import VrrpSocket

    index = socket.if_nametoindex(args.ifname)
    join = not args.no_join
    with VrrpSocket(args.ifname, index, FAMILIES[args.family], join_multicast=join) as sock:
        emit({"ready": True})
        got = asyncio.run(collect(sock, args.timeout, args.count))
    emit({"received": got})


def cmd_send(args: argparse.Namespace) -> None:
    from vrrpd.io.errors import VrrpIoError
    from vrrpd.io.rawsock import VrrpSocket

    index = socket.if_nametoindex(args.ifname)
    with VrrpSocket(args.ifname, index, FAMILIES[args.family]) as sock:
        try:
            sock.send(bytes.fromhex(args.payload), ip_address(args.dst), ip_address(args.src),
                      ttl=args.ttl)
        except VrrpIoError as exc:
            emit({"error": type(exc).__name__, "message": str(exc), "errno": exc.errno})
            return
        looped = asyncio.run(collect(sock, args.timeout, 0))
    emit({"sent": True, "looped": looped})


def cmd_garp(args: argparse.Namespace) -> None:
    from vrrpd.io.errors import VrrpIoError
    from vrrpd.io.garp import FrameSender, build_frames

    vips = [ip_interface(v) for v in args.vip]
    ll_src = ip_address(args.ll_src) if args.ll_src else None
    frames = build_frames(args.mac, vips, ll_src)
    try:
        sender = FrameSender(socket.if_nametoindex(args.ifname))
    except VrrpIoError as exc:
        emit({"error": type(exc).__name__, "message": str(exc)})
        return
    sent = 0
    try:
        for round_number in range(args.rounds):
            if round_number:
                time.sleep(args.interval)
            sent += sender.send(frames)
    except VrrpIoError as exc:
        emit({"error": type(exc).__name__, "message": str(exc), "sent": sent + exc.sent})
        return
    finally:
        sender.close()
    emit({"sent": sent})


def cmd_add_vip(args: argparse.Namespace) -> None:
    from vrrpd.io.errors import VrrpIoError
    from vrrpd.io.netlink import Netlink

    async def add() -> bool:
        async with Netlink() as nl:
            return await nl.add_vip(args.ifindex, ip_interface(args.vip))

    try:
        emit({"added": asyncio.run(add())})
    except VrrpIoError as exc:
        emit({"error": type(exc).__name__, "message": str(exc)})


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("open")
    p.add_argument("--ifname", required=True)
    p.add_argument("--ifindex", type=int, required=True)
    p.add_argument("--family", choices=FAMILIES, required=True)
    p.set_defaults(run=cmd_open)

    p = sub.add_parser("listen")
    p.add_argument("--ifname", required=True)
    p.add_argument("--family", choices=FAMILIES, required=True)
    p.add_argument("--no-join", action="store_true")
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--count", type=int, default=1)
    p.set_defaults(run=cmd_listen)

    p = sub.add_parser("send")
    p.add_argument("--ifname", required=True)
    p.add_argument("--family", choices=FAMILIES, required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--src", required=True)
    p.add_argument("--payload", required=True)
    p.add_argument("--ttl", type=int, default=255)
    p.add_argument("--timeout", type=float, default=0.3, help="how long to watch for loopback")
    p.set_defaults(run=cmd_send)

    p = sub.add_parser("garp")
    p.add_argument("--ifname", required=True)
    p.add_argument("--mac", required=True)
    p.add_argument("--vip", action="append", required=True)
    p.add_argument("--ll-src")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--interval", type=float, default=0.0)
    p.set_defaults(run=cmd_garp)

    p = sub.add_parser("add-vip")
    p.add_argument("--ifindex", type=int, required=True)
    p.add_argument("--vip", required=True)
    p.set_defaults(run=cmd_add_vip)

    args = parser.parse_args()
    args.run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
