"""Hold many idle connections to a TCP endpoint and a unix socket (stdlib only, a script).

Opens --count connections to each, keeps them open for --hold seconds, re-opening any the
server closed (a server that closes at once gets a steady stream of new ones), and prints one
JSON line: how many were open at the end and how many were re-opened.
"""

from __future__ import annotations

import argparse
import json
import resource
import select
import socket
import time


def _open(kind: str, target) -> socket.socket | None:
    family = socket.AF_INET if kind == "tcp" else socket.AF_UNIX
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        sock.connect(target)
    except (BlockingIOError, InterruptedError):
        pass
    except OSError:
        sock.close()
        return None
    return sock


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tcp", required=True, help="host:port")
    parser.add_argument("--unix", required=True)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--hold", type=float, default=5.0)
    args = parser.parse_args()
    if not 0 < args.hold <= 120 or not 0 < args.count <= 5000:
        parser.error("hold in (0, 120] s, count in 1..5000")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 4 * args.count + 256)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    host, port = args.tcp.rsplit(":", 1)
    targets = {"tcp": (host, int(port)), "unix": args.unix}
    conns: dict[str, list[socket.socket]] = {k: [] for k in targets}
    for kind, target in targets.items():
        for _ in range(args.count):
            sock = _open(kind, target)
            if sock is not None:
                conns[kind].append(sock)
    print(json.dumps({"opened": {k: len(v) for k, v in conns.items()}}), flush=True)
    reopened = {k: 0 for k in targets}
    poller = select.poll()  # select() cannot watch descriptors above 1023
    kind_of: dict[int, str] = {}
    by_fd: dict[int, socket.socket] = {}
    for kind, socks in conns.items():
        for sock in socks:
            poller.register(sock, select.POLLIN)
            kind_of[sock.fileno()], by_fd[sock.fileno()] = kind, sock
    end = time.monotonic() + args.hold
    while time.monotonic() < end:
        for fd, _event in poller.poll(50):
            sock, kind = by_fd.pop(fd), kind_of.pop(fd)
            poller.unregister(fd)
            conns[kind].remove(sock)
            sock.close()  # closed (or reset) by the server: open a new one
            new = _open(kind, targets[kind])
            if new is not None:
                conns[kind].append(new)
                poller.register(new, select.POLLIN)
                kind_of[new.fileno()], by_fd[new.fileno()] = kind, new
                reopened[kind] += 1
        time.sleep(0.02)
    print(json.dumps({"open": {k: len(v) for k, v in conns.items()}, "reopened": reopened}),
          flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
