"""The daemon's side of the control socket (see vrrpd.control.client for the protocol)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vrrpd.control.client import ControlError

MAX_REQUEST = 64 * 1024
# Clients served at once; one more is closed at once (each costs a file descriptor and a
# task, and a status request takes microseconds: 64 is plenty for people and scripts).
MAX_CLIENTS = 64
# asyncio accepts up to `backlog` connections per wake-up before any handler runs: a small
# one keeps a connection storm's not-yet-closed sockets few (the rest wait in the kernel).
BACKLOG = 16


def _claim_path(path: str) -> None:
    """Refuse a socket a live daemon holds; remove one a dead daemon left behind."""
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        p.parent.mkdir(parents=True, exist_ok=True)
        return
    if not stat.S_ISSOCK(p.lstat().st_mode):
        raise ControlError(f"control socket path {path} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        p.unlink(missing_ok=True)  # stale: its daemon is gone
        return
    except OSError:
        p.unlink(missing_ok=True)
        return
    finally:
        probe.close()
    raise ControlError(f"control socket {path} is in use by another running vrrpd")


Explain = Callable[["str | None"], dict[str, Any]]


class ControlServer:
    """Answers status and explain requests from callbacks; one short-lived task per client."""

    def __init__(self, path: str, status: Callable[[], dict[str, Any]],
                 explain: Explain | None = None) -> None:
        self.path = path
        self._status = status
        self._explain = explain
        self._server: asyncio.base_events.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self.refused = 0  # connections closed at once because MAX_CLIENTS were being served

    async def start(self) -> None:
        _claim_path(self.path)
        try:
            self._server = await asyncio.start_unix_server(
                self._client, path=self.path, limit=MAX_REQUEST, backlog=BACKLOG)
        except OSError as exc:
            msg = f"cannot create control socket {self.path}: {exc.strerror}"
            raise ControlError(msg) from None
        os.chmod(self.path, 0o660)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None
        for task in list(self._clients):
            task.cancel()
        if self._clients:
            await asyncio.wait(self._clients, timeout=1.0)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._clients) >= MAX_CLIENTS:
            self.refused += 1
            writer.close()  # no reply, no wait: the fd is released now
            return
        task = asyncio.current_task()
        if task is not None:
            self._clients.add(task)
            task.add_done_callback(self._clients.discard)
        try:
            line = await asyncio.wait_for(reader.readline(), 5.0)
            reply = self._answer(line)
            writer.write(json.dumps(reply, default=str).encode() + b"\n")
            await asyncio.wait_for(writer.drain(), 5.0)
        except (TimeoutError, ConnectionError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            req = json.loads(line)
        except ValueError:
            return {"error": "request is not JSON"}
        except RecursionError:
            return {"error": "request is nested too deeply"}
        cmd = req.get("cmd") if isinstance(req, dict) else None
        if cmd == "status":
            return self._status()
        if cmd == "explain" and self._explain is not None:
            instance = req.get("instance")
            if instance is not None and not isinstance(instance, str):
                return {"error": "explain: 'instance' must be a string"}
            return self._explain(instance)
        return {"error": f"unknown command {cmd!r}"}
