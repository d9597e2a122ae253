"""Advert-synchronised cable pull, run inside the switch namespace (stdlib only, a script).

A hard fault's outage depends on when it strikes: the backup's Master_Down timer restarts at
every advert, so a fault just after one costs the full 3 x Advert_Interval + Skew and one just
before the next costs an interval less. Pulling the cable at a random moment turns that phase
into noise as large as the interval (a whole second with VRRPv2). This agent removes it: it
waits for the next VRRP advert arriving from the master on its switch port and takes that port
down at once (SIOCSIFFLAGS, microseconds), so every round measures the worst case, which is
what the protocol floor describes.

Output lines: `READY t`, then `DOWN t_advert t_down` or `TIMEOUT t`; t is CLOCK_MONOTONIC.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
VRRP_PROTO = 112
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def is_vrrp(frame: bytes) -> bool:
    """True for an IPv4 or IPv6 VRRP packet in an untagged Ethernet frame."""
    if len(frame) < 14:
        return False
    ethertype = struct.unpack("!H", frame[12:14])[0]
    if ethertype == 0x0800:
        return len(frame) >= 34 and frame[14 + 9] == VRRP_PROTO
    if ethertype == 0x86DD:
        return len(frame) >= 54 and frame[14 + 6] == VRRP_PROTO
    return False


def set_down(port: str) -> None:
    """Clear IFF_UP on port, as `ip link set PORT down` does, without starting a process."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as ctl:
        ifreq = struct.pack("16sH14x", port.encode(), 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(ctl, SIOCGIFFLAGS, ifreq))[1]
        fcntl.ioctl(ctl, SIOCSIFFLAGS, struct.pack("16sH14x", port.encode(), flags & ~IFF_UP))


def agent_argv(port: str, *, timeout: float, out: str) -> list[str]:
    """The command line that runs this agent with the current interpreter."""
    script = os.path.abspath(__file__)
    return [sys.executable, "-I", "-S", script, port, "--timeout", repr(timeout), "--out", out]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port", help="switch-side port of the master")
    parser.add_argument("--timeout", type=float, default=10.0, help="give up after (s)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if not 0 < args.timeout <= 600:
        parser.error("timeout must be in (0, 600] seconds")
    with open(args.out, "w", encoding="ascii") as out:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        sock.bind((args.port, ETH_P_ALL))
        sock.setblocking(False)
        deadline = time.monotonic() + args.timeout
        out.write(f"READY {time.monotonic():.6f}\n")
        out.flush()
        while (remaining := deadline - time.monotonic()) > 0:
            if not select.select([sock], [], [], remaining)[0]:
                continue
            while True:
                try:
                    frame, addr = sock.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] != PACKET_OUTGOING and is_vrrp(frame):  # sent by the host behind
                    seen = time.monotonic()
                    set_down(args.port)
                    out.write(f"DOWN {seen:.6f} {time.monotonic():.6f}\n")
                    return 0
        out.write(f"TIMEOUT {time.monotonic():.6f}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
