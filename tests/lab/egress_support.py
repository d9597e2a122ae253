"""Helpers for the egress and hook lab tests: a peer-recording listener, a one-shot sender,
extra namespaces built inside a test, and hook scripts.

The listener runs in a lab namespace and writes one line per UDP datagram or TCP
connection: `PROTO TAG PEER_ADDRESS`. The sender sends TAG once over UDP and once over
TCP, letting the kernel pick the source address unless told to bind one.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from netns_lab import Lab, LabProcess, Netns, commands, wait_until
from netns_lab.sweep import remove_netns

PORT = 5300

LISTENER = r"""
import selectors, socket, sys
out = open(sys.argv[1], "a", buffering=1)
port = int(sys.argv[2])
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("0.0.0.0", port))
tcp = socket.socket()
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("0.0.0.0", port))
tcp.listen(16)
sel = selectors.DefaultSelector()
sel.register(udp, selectors.EVENT_READ)
sel.register(tcp, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select(60):
        if key.fileobj is udp:
            data, peer = udp.recvfrom(200)
            out.write(f"udp {data.decode()} {peer[0]}\n")
        else:
            conn, peer = tcp.accept()
            conn.settimeout(2)
            try:
                data = conn.recv(200)
            except OSError:
                data = b"?"
            conn.close()
            out.write(f"tcp {data.decode()} {peer[0]}\n")
"""

SENDER = r"""
import json, socket, sys
dst, port, tag, bind = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
result = {}
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if bind:
    udp.bind((bind, 0))
udp.connect((dst, port))
result["udp_src"] = udp.getsockname()[0]
udp.send(tag.encode())
tcp = socket.socket()
tcp.settimeout(5)
if bind:
    tcp.bind((bind, 0))
tcp.connect((dst, port))
result["tcp_src"] = tcp.getsockname()[0]
tcp.sendall(tag.encode())
tcp.close()
print(json.dumps(result))
"""


class Listener:
    """A running listener; `peers(tag)` -> {"udp": address, "tcp": address} seen so far."""

    def __init__(self, proc: LabProcess, path: Path) -> None:
        self.proc = proc
        self.path = path

    def lines(self) -> list[list[str]]:
        if not self.path.exists():
            return []
        return [line.split() for line in self.path.read_text().splitlines() if line.strip()]

    def peers(self, tag: str) -> dict[str, str]:
        return {proto: peer for proto, seen, peer in self.lines() if seen == tag}

    def wait_peers(self, tag: str, timeout: float = 8.0) -> dict[str, str]:
        def both() -> dict[str, str] | None:
            found = self.peers(tag)
            return found if len(found) == 2 else None

        both.__name__ = f"{tag} received over UDP and TCP at {self.proc.netns}"
        return wait_until(both, timeout, 0.05)


def start_listener(lab: Lab, where: Netns, port: int = PORT) -> Listener:
    path = lab.dir / f"listener-{where.name}.txt"
    proc = where.popen(
        [sys.executable, "-c", LISTENER, str(path), str(port)], name=f"listener-{where.name}"
    )
    wait_until(lambda: "ready" in proc.log_text(), 10, 0.05, message="listener ready")
    return Listener(proc, path)


def send(host: Netns, dst: str, tag: str, *, bind: str = "", port: int = PORT) -> dict:
    """Send TAG over UDP and TCP from `host`; returns the local addresses the kernel used."""
    done = host.run([sys.executable, "-c", SENDER, dst, str(port), tag, bind], timeout=20)
    return json.loads(done.stdout)


@contextlib.contextmanager
def extra_netns(lab: Lab, suffix: str) -> Iterator[Netns]:
    """A namespace named with the lab's prefix, removed (with its processes) on exit."""
    name = f"{lab.prefix}-{suffix}"
    created = Netns(name, lab.registry, lab.dir)
    try:
        commands.run(["ip", "netns", "add", name])
        created.ip("link", "set", "lo", "up")
        yield created
    finally:
        left = remove_netns([name])
        assert not left, f"could not remove {left}"


def write_script(lab: Lab, name: str, body: str) -> str:
    """An executable /bin/sh script in the lab's directory; returns its absolute path."""
    path = lab.dir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError, ValueError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


def routes(host: Netns, *args: str) -> list[dict]:
    """`ip -j route show ARGS` in a namespace."""
    return host.ip_json("route", "show", *args)
