"""Serving the metrics: a small HTTP endpoint on the loop and a node_exporter textfile.

Neither may hold up the loop. The endpoint is an asyncio server whose every read and
write has a timeout, and a scrape renders one `status()` snapshot (microseconds). The
textfile is rendered on the loop and written from a worker thread, atomically (temp file
in the same directory, then rename), so node_exporter never reads half a file; it is
rewritten on every transition and every `textfile_interval` seconds, and removed on a
clean stop (a SIGKILLed daemon leaves it behind: node_textfile_mtime_seconds shows that).
Metrics are an aid, not the job: a port in use or an unwritable directory is logged and
the daemon keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from typing import Any

from vrrpd import log
from vrrpd.config import MetricsConfig
from vrrpd.export.metrics import CONTENT_TYPE, render

REQUEST_TIMEOUT = 5.0
MAX_REQUEST_HEAD = 16384
CLOSE_TIMEOUT = 2.0
# Scrapes served at once; one more connection is closed at once (each costs a descriptor;
# Prometheus keeps one connection per target).
MAX_CONNECTIONS = 64
BACKLOG = 16  # accepted per wake-up: few sockets in flight during a connection storm


def write_textfile(path: str, text: str) -> None:
    """Replace `path` with `text` atomically (readable by node_exporter's user)."""
    tmp = f"{path}.{os.getpid()}.tmp"  # not *.prom: the collector ignores it
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _response(
    status: str, body: bytes, content_type: str, *, head: bool = False, extra: str = ""
) -> bytes:
    header = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n"
    )
    return header.encode() + (b"" if head else body)


class MetricsExporter:
    """Exports `snapshot()` (the daemon's status dict) as configured in `[metrics]`."""

    def __init__(self, cfg: MetricsConfig, snapshot: Callable[[], dict[str, Any]]) -> None:
        self.cfg = cfg
        self._snapshot = snapshot
        self._server: asyncio.Server | None = None
        self._writer: asyncio.Task[None] | None = None
        self._dirty = asyncio.Event()
        self._closing = False
        self._write_error: str | None = None
        self._log = log.get()
        self.port: int | None = None  # the bound port, once listening
        self._active = 0
        self.refused = 0  # connections closed at once because MAX_CONNECTIONS were served

    async def start(self) -> None:
        listen = self.cfg.listen
        if listen is not None:
            try:
                self._server = await asyncio.start_server(
                    self._handle, listen.host, listen.port, limit=MAX_REQUEST_HEAD,
                    backlog=BACKLOG,
                )
            except OSError as exc:
                self._log.error(
                    "metrics endpoint not started",
                    listen=f"{listen.host or '*'}:{listen.port}",
                    error=str(exc),
                )
            else:
                self.port = self._server.sockets[0].getsockname()[1]
                self._log.info(
                    "metrics endpoint listening", host=listen.host or "*", port=self.port
                )
        if self.cfg.textfile is not None:
            self._writer = asyncio.get_running_loop().create_task(
                self._textfile_loop(self.cfg.textfile), name="metrics-textfile"
            )

    def changed(self) -> None:
        """Something worth exporting changed (a transition): rewrite the textfile now."""
        self._dirty.set()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), CLOSE_TIMEOUT)
        writer = self._writer
        if writer is not None and not writer.done():
            self._closing = True
            self._dirty.set()  # let a write in progress finish, then stop
            await asyncio.wait({writer}, timeout=CLOSE_TIMEOUT)
            if not writer.done():
                writer.cancel()
        if self.cfg.textfile is not None:
            with contextlib.suppress(OSError, TimeoutError):  # absent already is fine
                await asyncio.wait_for(
                    asyncio.to_thread(os.unlink, self.cfg.textfile), CLOSE_TIMEOUT
                )

    # -- textfile ----------------------------------------------------------------------------
    async def _textfile_loop(self, path: str) -> None:
        while not self._closing:
            text = render(self._snapshot())
            try:
                await asyncio.to_thread(write_textfile, path, text)
            except OSError as exc:
                if str(exc) != self._write_error:
                    self._log.error("metrics textfile not written", path=path, error=str(exc))
                self._write_error = str(exc)
            else:
                if self._write_error is not None:
                    self._log.info("metrics textfile written again", path=path)
                self._write_error = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), self.cfg.textfile_interval)
            self._dirty.clear()

    # -- HTTP --------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._active >= MAX_CONNECTIONS:
            self.refused += 1
            writer.close()
            return
        self._active += 1
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
            writer.write(self._answer(head))
            await asyncio.wait_for(writer.drain(), REQUEST_TIMEOUT)
        except (
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
        ):
            pass  # a slow, silent or rude client gets nothing
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), REQUEST_TIMEOUT)
            self._active -= 1

    def _answer(self, head: bytes) -> bytes:
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return _response("400 Bad Request", b"bad request\n", "text/plain")
        method, target, _version = parts
        if method not in ("GET", "HEAD"):
            return _response(
                "405 Method Not Allowed",
                b"only GET and HEAD\n",
                "text/plain",
                extra="Allow: GET, HEAD\r\n",
            )
        if target.split("?", 1)[0] != "/metrics":
            return _response(
                "404 Not Found", b"metrics are at /metrics\n", "text/plain", head=method == "HEAD"
            )
        body = render(self._snapshot()).encode()
        return _response("200 OK", body, CONTENT_TYPE, head=method == "HEAD")
