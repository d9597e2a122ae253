"""MetricsExporter: the HTTP endpoint (loopback, ephemeral port) and the atomic textfile."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.runtime.fakes import aio
from vrrpd.config import HttpListen, MetricsConfig
from vrrpd.export import metrics_server as metrics_export
from vrrpd.export.metrics_server import MetricsExporter, write_textfile

TEST_TIMEOUT = 20.0


def status_with(state: str) -> dict:
    return {
        "version": "0.1.0",
        "router_id": "r1",
        "started": 1.0,
        "socket_drops": {},
        "mqtt": None,
        "instances": [
            {
                "name": "VI_1",
                "state": state,
                "priority": 100,
                "base_priority": 100,
                "since": 2.0,
                "transitions": 1,
                "counters": {
                    "adverts_sent": 1,
                    "adverts_received": 0,
                    "dropped": {},
                    "garp_sent": 0,
                    "send_errors": 0,
                    "vip_readded": 0,
                },
            }
        ],
    }


def current_state(text: str) -> str:
    for fam in text_string_to_metric_families(text):
        if fam.name == "vrrpd_instance_state":
            return next(s.labels["state"] for s in fam.samples if s.value == 1)
    raise AssertionError(f"no vrrpd_instance_state in {text!r}")


def exporter_for(snapshot, *, listen=True, textfile=None, interval=60.0) -> MetricsExporter:
    cfg = MetricsConfig(
        listen=HttpListen(host="127.0.0.1", port=0) if listen else None,
        textfile=textfile,
        textfile_interval=interval,
    )
    return MetricsExporter(cfg, snapshot)


async def http(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *header_lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return status, headers, body


async def until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


# -- HTTP -----------------------------------------------------------------------------------


@aio(TEST_TIMEOUT)
async def test_scrape_shows_the_current_state():
    current = {"status": status_with("BACKUP")}
    exporter = exporter_for(lambda: current["status"])
    await exporter.start()
    try:
        status, headers, body = await http(
            exporter.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        assert status == "HTTP/1.1 200 OK"
        assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        assert int(headers["Content-Length"]) == len(body)
        assert current_state(body.decode()) == "BACKUP"
        current["status"] = status_with("MASTER")
        _, _, body = await http(exporter.port, b"GET /metrics?x=1 HTTP/1.0\r\n\r\n")
        assert current_state(body.decode()) == "MASTER"
    finally:
        await exporter.close()


@pytest.mark.parametrize(
    ("request_bytes", "status", "has_body"),
    [
        (b"HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", False),
        (b"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found", True),
        (
            b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 405 Method Not Allowed",
            True,
        ),
        (b"nonsense\r\n\r\n", "HTTP/1.1 400 Bad Request", True),
        (b"GET /metrics FTP/1.0\r\n\r\n", "HTTP/1.1 400 Bad Request", True),
    ],
)
@aio(TEST_TIMEOUT)
async def test_other_requests(request_bytes, status, has_body):
    exporter = exporter_for(lambda: status_with("MASTER"))
    await exporter.start()
    try:
        got_status, headers, body = await http(exporter.port, request_bytes)
        assert got_status == status
        assert bool(body) == has_body
        assert int(headers["Content-Length"]) > 0
        if "405" in status:
            assert headers["Allow"] == "GET, HEAD"
    finally:
        await exporter.close()


@aio(TEST_TIMEOUT)
async def test_silent_and_oversized_clients_are_cut_off(monkeypatch):
    monkeypatch.setattr(metrics_export, "REQUEST_TIMEOUT", 0.2)
    exporter = exporter_for(lambda: status_with("MASTER"))
    await exporter.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", exporter.port)
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(), 3) == b""  # closed without an answer
        assert time.monotonic() - started < 2
        writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", exporter.port)
        writer.write(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 70000)
        assert await asyncio.wait_for(reader.read(), 3) == b""
        writer.close()
        # and the server still answers the next scrape
        status, _, _ = await http(exporter.port, b"GET /metrics HTTP/1.1\r\n\r\n")
        assert status == "HTTP/1.1 200 OK"
    finally:
        await exporter.close()


@aio(TEST_TIMEOUT)
async def test_port_in_use_is_logged_not_fatal():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        cfg = MetricsConfig(
            listen=HttpListen(host="127.0.0.1", port=taken.getsockname()[1]),
            textfile=None,
            textfile_interval=15.0,
        )
        exporter = MetricsExporter(cfg, lambda: status_with("MASTER"))
        await exporter.start()
        assert exporter.port is None
        await exporter.close()


@aio(TEST_TIMEOUT)
async def test_close_stops_listening():
    exporter = exporter_for(lambda: status_with("MASTER"))
    await exporter.start()
    port = exporter.port
    await exporter.close()
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


# -- textfile -------------------------------------------------------------------------------


@aio(TEST_TIMEOUT)
async def test_textfile_on_start_on_change_and_removed_on_close(tmp_path):
    path = tmp_path / "vrrpd.prom"
    current = {"status": status_with("BACKUP")}
    exporter = exporter_for(lambda: current["status"], listen=False, textfile=str(path))
    await exporter.start()
    try:
        await until(path.exists)
        assert current_state(path.read_text()) == "BACKUP"
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        current["status"] = status_with("MASTER")
        exporter.changed()  # interval is 60 s: only the transition can explain a rewrite
        await until(lambda: current_state(path.read_text()) == "MASTER", timeout=2)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["vrrpd.prom"]  # no temp left
    finally:
        await exporter.close()
    assert not path.exists()


@aio(TEST_TIMEOUT)
async def test_textfile_rewritten_every_interval(tmp_path):
    path = tmp_path / "vrrpd.prom"
    current = {"status": status_with("BACKUP")}
    exporter = exporter_for(
        lambda: current["status"], listen=False, textfile=str(path), interval=0.1
    )
    await exporter.start()
    try:
        await until(path.exists)
        current["status"] = status_with("FAULT")  # no changed(): the timer must pick it up
        await until(lambda: current_state(path.read_text()) == "FAULT", timeout=2)
    finally:
        await exporter.close()


@aio(TEST_TIMEOUT)
async def test_unwritable_directory_is_logged_and_retried(tmp_path):
    folder = tmp_path / "later"
    path = folder / "vrrpd.prom"
    exporter = exporter_for(
        lambda: status_with("MASTER"), listen=False, textfile=str(path), interval=0.05
    )
    await exporter.start()
    try:
        await asyncio.sleep(0.2)  # several failed writes, none raised
        assert not path.exists()
        folder.mkdir()
        await until(path.exists, timeout=2)
        assert current_state(path.read_text()) == "MASTER"
    finally:
        await exporter.close()


def test_write_textfile_replaces_atomically(tmp_path):
    path = tmp_path / "x.prom"
    path.write_text("old\n")
    inode = path.stat().st_ino
    write_textfile(str(path), "new\n")
    assert path.read_text() == "new\n"
    assert path.stat().st_ino != inode  # renamed over, never rewritten in place
    assert os.listdir(tmp_path) == ["x.prom"]


def test_write_textfile_cleans_up_on_failure(tmp_path):
    target = tmp_path / "dir.prom"
    target.mkdir()  # os.replace onto a directory fails after the temp file was written
    with pytest.raises(OSError):
        write_textfile(str(target), "x\n")
    assert os.listdir(tmp_path) == ["dir.prom"]


@aio(TEST_TIMEOUT)
async def test_connections_over_the_cap_are_closed_at_once():
    exporter = exporter_for(lambda: status_with("MASTER"))
    await exporter.start()
    held = []
    try:
        for _ in range(metrics_export.MAX_CONNECTIONS):
            held.append(await asyncio.open_connection("127.0.0.1", exporter.port))
        deadline = time.monotonic() + 3
        while exporter._active < metrics_export.MAX_CONNECTIONS and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert exporter._active == metrics_export.MAX_CONNECTIONS
        reader, writer = await asyncio.open_connection("127.0.0.1", exporter.port)
        writer.write(b"GET /metrics HTTP/1.1\r\n\r\n")
        started = time.monotonic()
        # closed without an answer (a reset when our request was still unread)
        with contextlib.suppress(ConnectionResetError):
            assert await asyncio.wait_for(reader.read(), 3) == b""
        assert time.monotonic() - started < 1  # at once, not after REQUEST_TIMEOUT
        writer.close()
        assert exporter.refused == 1
        for _reader, w in held:
            w.close()
        held.clear()
        while exporter._active and time.monotonic() < deadline + 3:
            await asyncio.sleep(0.01)
        status, _, _ = await http(exporter.port, b"GET /metrics HTTP/1.1\r\n\r\n")
        assert status == "HTTP/1.1 200 OK"
    finally:
        for _reader, w in held:
            w.close()
        await exporter.close()
