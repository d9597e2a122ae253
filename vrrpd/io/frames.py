"""GARP / NA frames for the whole daemon, built by scapy in a short-lived subprocess.

scapy stays the frame builder (vrrpd.io.garp), but importing it costs ~0.3 s and ~24 MiB
that a daemon would carry for its whole life to build a few dozen bytes per VIP. The book
collects what the instances need, has `python -m vrrpd.io.frame_builder` build it all at
once (one process for a start-up of any size), and keeps the bytes. Until a frame is
built its schedule waits (GarpSchedule); if the subprocess fails, the frames are built
in-process instead (scapy then stays loaded), so announcing never depends on it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from pathlib import Path

from vrrpd.io.garp import build_frames, check_frames

log = logging.getLogger(__name__)

BUILD_TIMEOUT = 60.0  # a subprocess importing scapy on a loaded machine; then in-process
GATHER_S = 0.02  # let a start-up register every instance before the first build
Key = tuple[str, str, str | None]  # (mac, vip address, ll_src)
Vip = IPv4Interface | IPv6Interface | IPv4Address | IPv6Address


class FrameBook:
    """Every frame the daemon announces with, by (MAC, VIP, NA source)."""

    def __init__(self, argv: list[str] | None = None) -> None:
        self._argv = argv or [sys.executable, "-m", "vrrpd.io.frame_builder"]
        self._frames: dict[Key, bytes] = {}
        self._wanted: set[Key] = set()
        self._task: asyncio.Task | None = None
        self._changed = asyncio.Event()
        self.builds = 0  # subprocess runs (tests and the bench look at it)

    @property
    def building(self) -> bool:
        return self._task is not None and not self._task.done()

    def source(self, mac: str, vips: Iterable[Vip], ll_src: IPv6Address | None = None
               ) -> BookFrames:
        """The frames for these VIPs; bad input raises ValueError/TypeError now, as
        build_frames would."""
        mac, addresses = check_frames(mac, vips, ll_src)
        keys = [(mac, str(a), str(ll_src) if ll_src else None) for a in addresses]
        missing = [k for k in keys if k not in self._frames]
        if missing:
            self._wanted.update(missing)
            if not self.building:
                self._task = asyncio.get_running_loop().create_task(
                    self._build_all(), name="frame-builder")
        return BookFrames(self, keys)

    def frame(self, key: Key) -> bytes | None:
        return self._frames.get(key)

    async def changed(self) -> None:
        await self._changed.wait()

    async def settled(self) -> None:
        """Return once nothing asked for is still being built."""
        while self.building:
            await self.changed()

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _build_all(self) -> None:
        await asyncio.sleep(GATHER_S)
        while self._wanted:
            batch = sorted(self._wanted, key=repr)
            self._wanted.clear()
            try:
                frames = await self._build_elsewhere(batch)
            except (OSError, ValueError, TimeoutError) as exc:
                log.warning("frame builder subprocess failed (%s); building in-process", exc)
                try:
                    frames = self._build_here(batch)
                except Exception as exc:  # noqa: BLE001 - no frames: announce nothing, say so
                    log.error("cannot build GARP/NA frames: %s", exc)
                    frames = []
            self._frames.update(zip(batch, frames, strict=False))
            self._changed.set()
            self._changed = asyncio.Event()

    async def _build_elsewhere(self, batch: list[Key]) -> list[bytes]:
        # the builder must import this very vrrpd, also from a source checkout
        here = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
        proc = await asyncio.create_subprocess_exec(
            *self._argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})
        self.builds += 1
        try:
            out, err = await asyncio.wait_for(
                proc.communicate(json.dumps([list(k) for k in batch]).encode()), BUILD_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            raise ValueError(f"exit {proc.returncode}: {err.decode(errors='replace').strip()}")
        frames = [bytes.fromhex(line) for line in out.decode().split()]
        if len(frames) != len(batch):
            raise ValueError(f"{len(frames)} frames for {len(batch)} requests")
        return frames

    @staticmethod
    def _build_here(batch: list[Key]) -> list[bytes]:
        from ipaddress import ip_address

        return [build_frames(mac, [ip_address(vip)], ip_address(ll) if ll else None)[0]
                for mac, vip, ll in batch]  # type: ignore[arg-type]


class BookFrames:
    """One schedule's frames in a FrameBook (see GarpSchedule's FrameSource)."""

    def __init__(self, book: FrameBook, keys: list[Key]) -> None:
        self._book = book
        self._keys = keys

    def current(self) -> list[bytes] | None:
        """The frames, or None while any of them is still being built."""
        frames = [self._book.frame(k) for k in self._keys]
        if any(f is None for f in frames):
            return None
        return frames  # type: ignore[return-value]

    async def ready(self) -> None:
        """Return once built (or once the book gave up on them: current() stays None)."""
        while self.current() is None and self._book.building:
            await self._book.changed()
