"""Control socket: live socket refused, stale one replaced, clear errors for the client."""

from __future__ import annotations

import asyncio
import os
import socket
import stat

import pytest

from vrrpd.control.client import ControlError, request, resolve_socket
from vrrpd.control.server import ControlServer


def _serve(path: str, status: dict) -> tuple[asyncio.AbstractEventLoop, ControlServer]:
    loop = asyncio.new_event_loop()
    server = ControlServer(path, lambda: status)
    loop.run_until_complete(server.start())
    return loop, server


def _ask_in_thread(loop: asyncio.AbstractEventLoop, path: str, cmd: str = "status") -> dict:
    fut = loop.run_in_executor(None, request, path, cmd, 2.0)
    return loop.run_until_complete(fut)


def test_status_round_trip_and_socket_mode(tmp_path):
    path = str(tmp_path / "v.sock")
    loop, server = _serve(path, {"instances": [{"name": "VI_1"}]})
    try:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o660
        assert _ask_in_thread(loop, path) == {"instances": [{"name": "VI_1"}]}
    finally:
        loop.run_until_complete(server.close())
        loop.close()
    assert not os.path.exists(path)


def test_unknown_command_is_a_clear_error(tmp_path):
    path = str(tmp_path / "v.sock")
    loop, server = _serve(path, {})
    try:
        with pytest.raises(ControlError, match="unknown command 'reboot'"):
            _ask_in_thread(loop, path, "reboot")
    finally:
        loop.run_until_complete(server.close())
        loop.close()


def test_live_socket_is_refused(tmp_path):
    path = str(tmp_path / "v.sock")
    loop, server = _serve(path, {})
    try:
        second = ControlServer(path, dict)
        with pytest.raises(ControlError, match="in use by another running vrrpd"):
            loop.run_until_complete(second.start())
    finally:
        loop.run_until_complete(server.close())
        loop.close()


def test_stale_socket_is_replaced(tmp_path):
    path = str(tmp_path / "v.sock")
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(path)
    dead.close()  # the file stays, nobody listens: a crashed daemon's leftover
    loop, server = _serve(path, {"ok": True})
    try:
        assert _ask_in_thread(loop, path) == {"ok": True}
    finally:
        loop.run_until_complete(server.close())
        loop.close()


def test_path_that_is_not_a_socket_is_refused(tmp_path):
    path = tmp_path / "v.sock"
    path.write_text("not a socket")
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(ControlError, match="not a socket"):
            loop.run_until_complete(ControlServer(str(path), dict).start())
    finally:
        loop.close()
    assert path.read_text() == "not a socket"


def test_missing_daemon_messages(tmp_path):
    with pytest.raises(ControlError, match="does not exist"):
        request(str(tmp_path / "none.sock"))
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(tmp_path / "dead.sock"))
    dead.close()
    with pytest.raises(ControlError, match="nothing listens"):
        request(str(tmp_path / "dead.sock"))


def test_hanging_daemon_times_out(tmp_path):
    path = str(tmp_path / "hang.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)  # accepts at the kernel level but never answers
    try:
        with pytest.raises(ControlError, match="did not answer"):
            request(path, timeout=0.3)
    finally:
        srv.close()


def test_socket_resolution_order(monkeypatch):
    monkeypatch.delenv("VRRPD_SOCKET", raising=False)
    assert resolve_socket(None, None) == "/run/vrrpd/vrrpd.sock"
    assert resolve_socket(None, "/c.sock") == "/c.sock"
    monkeypatch.setenv("VRRPD_SOCKET", "/env.sock")
    assert resolve_socket(None, "/c.sock") == "/env.sock"
    assert resolve_socket("/cli.sock", "/c.sock") == "/cli.sock"


def test_explain_request_carries_the_instance(tmp_path):
    path = str(tmp_path / "v.sock")
    asked: list[object] = []

    def explain(instance):
        asked.append(instance)
        if instance == "nope":
            return {"error": "no instance 'nope' is running (running: VI_1)"}
        return {"instances": [{"name": instance or "all"}]}

    loop = asyncio.new_event_loop()
    server = ControlServer(path, lambda: {}, explain)
    loop.run_until_complete(server.start())
    try:
        def ask(args):
            return loop.run_until_complete(
                loop.run_in_executor(None, lambda: request(path, "explain", 2.0, args)))

        assert ask({"instance": "VI_1"}) == {"instances": [{"name": "VI_1"}]}
        assert ask({"instance": None}) == {"instances": [{"name": "all"}]}
        with pytest.raises(ControlError, match="no instance 'nope' is running"):
            ask({"instance": "nope"})
        with pytest.raises(ControlError, match="'instance' must be a string"):
            ask({"instance": 5})
        assert asked == ["VI_1", None, "nope"]
    finally:
        loop.run_until_complete(server.close())
        loop.close()


def _raw_request(path: str, payload: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5.0)
        sock.connect(path)
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_nested_json_request_gets_an_error_reply_not_a_traceback(tmp_path, capsys):
    path = str(tmp_path / "v.sock")
    loop, server = _serve(path, {})
    try:
        payload = b"[" * 30_000 + b"]" * 30_000 + b"\n"  # under MAX_REQUEST, too deep to decode
        fut = loop.run_in_executor(None, _raw_request, path, payload)
        reply = loop.run_until_complete(fut)
    finally:
        loop.run_until_complete(server.close())
        loop.close()
    assert reply == b'{"error": "request is nested too deeply"}\n'
    assert "Traceback" not in capsys.readouterr().err


def test_connections_over_the_cap_are_closed_at_once_and_the_rest_served(tmp_path):
    from vrrpd.control import server as server_mod

    path = str(tmp_path / "v.sock")
    loop, server = _serve(path, {"ok": True})
    held = []
    try:
        async def fill() -> None:
            for _ in range(server_mod.MAX_CLIENTS):
                held.append(await asyncio.open_unix_connection(path))
            await asyncio.sleep(0.2)  # let the server take them all

        loop.run_until_complete(fill())
        assert len(server._clients) == server_mod.MAX_CLIENTS

        async def one_more() -> bytes:
            reader, writer = await asyncio.open_unix_connection(path)
            writer.write(b'{"cmd": "status"}\n')
            try:  # closed without a reply (a reset when our request was still unread)
                data = await asyncio.wait_for(reader.read(), 2.0)
            except ConnectionResetError:
                data = b""
            writer.close()
            return data

        assert loop.run_until_complete(one_more()) == b""
        assert server.refused == 1
        for _reader, writer in held:
            writer.close()
        held.clear()
        loop.run_until_complete(asyncio.sleep(0.2))
        assert _ask_in_thread(loop, path) == {"ok": True}  # served again once below the cap
    finally:
        for _reader, writer in held:
            writer.close()
        loop.run_until_complete(server.close())
        loop.close()
