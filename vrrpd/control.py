"""Control socket: a unix stream socket speaking line-delimited JSON.

Request `{"cmd": "status"}` → one JSON line with the status object. The
server side lives in the daemon; the client side (`request`) is stdlib-only so
`vrrpd status` starts fast and never imports scapy or pyroute2.
"""

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

DEFAULT_SOCKET = "/run/vrrpd/vrrpd.sock"
MAX_REQUEST = 64 * 1024


class ControlError(Exception):
    """One clear line for the user (socket taken, daemon unreachable, bad reply)."""


def resolve_socket(cli_value: str | None, config_value: str | None = None) -> str:
    """--socket beats VRRPD_SOCKET beats the config's global.control_socket."""
    return cli_value or os.environ.get("VRRPD_SOCKET") or config_value or DEFAULT_SOCKET


def request(path: str, cmd: str = "status", timeout: float = 2.0) -> dict[str, Any]:
    """Ask a running daemon; raise ControlError with a plain message if it can't answer."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(json.dumps({"cmd": cmd}).encode() + b"\n")
            buf = bytearray()
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
    except FileNotFoundError:
        raise ControlError(f"no vrrpd running: control socket {path} does not exist") from None
    except ConnectionRefusedError:
        raise ControlError(f"no vrrpd running: nothing listens on {path}") from None
    except PermissionError:
        raise ControlError(f"permission denied on control socket {path}") from None
    except TimeoutError:
        raise ControlError(f"vrrpd on {path} did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise ControlError(f"cannot reach vrrpd on {path}: {exc.strerror or exc}") from None
    try:
        reply = json.loads(buf)
    except ValueError:
        raise ControlError(f"vrrpd on {path} sent an unreadable reply") from None
    if not isinstance(reply, dict):
        raise ControlError(f"vrrpd on {path} sent an unexpected reply")
    if "error" in reply:
        raise ControlError(f"vrrpd: {reply['error']}")
    return reply


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


class ControlServer:
    """Answers status requests from a callback; one short-lived task per client."""

    def __init__(self, path: str, status: Callable[[], dict[str, Any]]) -> None:
        self.path = path
        self._status = status
        self._server: asyncio.base_events.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        _claim_path(self.path)
        try:
            self._server = await asyncio.start_unix_server(
                self._client, path=self.path, limit=MAX_REQUEST)
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
        cmd = req.get("cmd") if isinstance(req, dict) else None
        if cmd == "status":
            return self._status()
        return {"error": f"unknown command {cmd!r}"}
