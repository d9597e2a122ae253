"""Control socket: a unix stream socket speaking line-delimited JSON.

Request `{"cmd": "status"}` → one JSON line with the status object;
`{"cmd": "explain", "instance": NAME-or-null}` → the explanation object. This module is
the client side (`request`): json and socket only, no asyncio, so `vrrpd status`
starts in a few tens of ms. The daemon's side is `vrrpd.control.server`.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

DEFAULT_SOCKET = "/run/vrrpd/vrrpd.sock"


class ControlError(Exception):
    """One clear line for the user (socket taken, daemon unreachable, bad reply)."""


def resolve_socket(cli_value: str | None, config_value: str | None = None) -> str:
    """--socket beats VRRPD_SOCKET beats the config's global.control_socket."""
    return cli_value or os.environ.get("VRRPD_SOCKET") or config_value or DEFAULT_SOCKET


def request(path: str, cmd: str = "status", timeout: float = 2.0,
            args: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Ask a running daemon; raise ControlError with a plain message if it can't answer."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(json.dumps({"cmd": cmd, **(args or {})}).encode() + b"\n")
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
