"""ICMP echo prober that runs inside a lab namespace (stdlib only, started as a script).

Sends an echo request to the target every `interval`, and records each send and each reply
(with the replying Ethernet source MAC, read from an AF_PACKET socket) as text lines:
`S seq t`, `R seq t mac`, `E seq errno` (send failed); t is CLOCK_MONOTONIC, shared by all
namespaces. The first line is `READY t`, the last `END t`. SIGTERM/SIGINT stops sending;
replies are still collected for `reply_timeout` so in-flight probes are not counted lost.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_RAW = 255
ICMP_FILTER = 1
ICMP6_FILTER = 1
MAGIC = b"NLAB"
HARD_LIMIT_S = 900.0  # an agent never outlives this, whatever it was asked


def agent_argv(
    target: str,
    *,
    interval: float,
    duration: float,
    reply_timeout: float,
    out: str,
    count: int = 0,
    stop_on_reply: bool = False,
    iface: str = "eth0",
) -> list[str]:
    """The command line that runs this agent with the current interpreter."""
    argv = [sys.executable, "-I", "-S", os.path.abspath(__file__), target]
    argv += ["--interval", repr(interval), "--duration", repr(duration)]
    argv += ["--reply-timeout", repr(reply_timeout), "--out", out, "--iface", iface]
    argv += ["--count", str(count)] + (["--stop-on-reply"] if stop_on_reply else [])
    return argv


def inet_checksum(data: bytes) -> int:
    """RFC 1071 sum. A deliberate copy of vrrpd.protocol.packet.internet_checksum: the probe
    runs stdlib-only inside lab namespaces and must not depend on the code it measures."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo_request(version: int, ident: int, seq: int) -> bytes:
    payload = MAGIC + struct.pack("!Q", seq)
    kind = 8 if version == 4 else 128
    header = struct.pack("!BBHHH", kind, 0, 0, ident, seq & 0xFFFF)
    if version == 6:  # the kernel fills in the ICMPv6 checksum on raw sockets
        return header + payload
    csum = inet_checksum(header + payload)
    return struct.pack("!BBHHH", kind, 0, csum, ident, seq & 0xFFFF) + payload


def parse_reply(frame: bytes, version: int, target: bytes, ident: int) -> tuple[int, str] | None:
    """(full seq, source MAC) if frame is an echo reply to us from target, else None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if version == 4:
        if ethertype != 0x0800 or len(ip) < 20 or ip[9] != 1 or ip[12:16] != target:
            return None
        icmp = ip[(ip[0] & 0x0F) * 4 :]
        reply_type = 0
    else:
        if ethertype != 0x86DD or len(ip) < 40 or ip[6] != 58 or ip[8:24] != target:
            return None
        icmp = ip[40:]
        reply_type = 129
    if len(icmp) < 20 or icmp[0] != reply_type or icmp[1] != 0:
        return None
    if struct.unpack("!H", icmp[4:6])[0] != ident or icmp[8:12] != MAGIC:
        return None
    mac = ":".join(f"{b:02x}" for b in frame[6:12])
    return struct.unpack("!Q", icmp[12:20])[0], mac


def open_sockets(version: int, iface: str) -> tuple[socket.socket, socket.socket]:
    if version == 4:
        send = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        send.setsockopt(SOL_RAW, ICMP_FILTER, struct.pack("I", 0xFFFFFFFF))  # receive nothing
    else:
        send = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        send.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, b"\xff" * 32)  # block all types
    recv = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    recv.bind((iface, ETH_P_ALL))
    recv.setblocking(False)
    return send, recv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target")
    parser.add_argument("--interval", type=float, default=0.005)
    parser.add_argument("--duration", type=float, default=0.0, help="0: until signalled")
    parser.add_argument("--count", type=int, default=0, help="0: unlimited")
    parser.add_argument("--reply-timeout", type=float, default=0.5)
    parser.add_argument("--stop-on-reply", action="store_true")
    parser.add_argument("--iface", default="eth0")
    parser.add_argument("--out", default="-")
    args = parser.parse_args(argv)
    if args.interval <= 0 or args.reply_timeout < 0 or args.duration < 0 or args.count < 0:
        parser.error("interval must be > 0; duration, count, reply-timeout >= 0")
    address = ipaddress.ip_address(args.target)
    duration = min(args.duration or HARD_LIMIT_S, HARD_LIMIT_S)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="ascii")  # noqa: SIM115

    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    send, recv = open_sockets(address.version, args.iface)
    ident = os.getpid() & 0xFFFF
    dest = (str(address), 0) if address.version == 4 else (str(address), 0, 0, 0)
    start = time.monotonic()
    out.write(f"READY {start:.6f}\n")
    out.flush()

    seq = 0
    answered: set[int] = set()
    next_send = start
    sending = True
    drain_until = 0.0
    last_flush = start
    while True:
        now = time.monotonic()
        if sending and (
            stopping
            or now - start >= duration
            or (args.count and seq >= args.count)
            or (args.stop_on_reply and answered)
        ):
            sending = False
            drain_until = now if args.stop_on_reply and answered else now + args.reply_timeout
        if not sending and (now >= drain_until or len(answered) >= seq):
            break
        if sending and now >= next_send:
            out.write(f"S {seq} {now:.6f}\n")
            try:
                send.sendto(echo_request(address.version, ident, seq), dest)
            except OSError as exc:
                out.write(f"E {seq} {exc.errno}\n")
            seq += 1
            next_send = max(next_send + args.interval, now)  # late: no catch-up burst
        wake = next_send if sending else drain_until
        readable, _, _ = select.select([recv], [], [], max(0.0, wake - time.monotonic()))
        while readable:
            try:
                frame, addr = recv.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            reply = parse_reply(frame, address.version, address.packed, ident)
            if reply is not None:
                answered.add(reply[0])
                out.write(f"R {reply[0]} {time.monotonic():.6f} {reply[1]}\n")
        if now - last_flush > 0.1:
            out.flush()
            last_flush = now
    out.write(f"END {time.monotonic():.6f}\n")
    out.flush()
    return 0 if answered else 1


if __name__ == "__main__":
    sys.exit(main())
