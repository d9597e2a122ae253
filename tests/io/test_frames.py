"""FrameBook: scapy builds the frames in a subprocess, the daemon keeps only bytes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from ipaddress import ip_address, ip_interface

import pytest

from vrrpd.io.frames import FrameBook
from vrrpd.io.garp import GarpSchedule, build_frames

pytestmark = pytest.mark.timeout(120)

MAC = "02:00:00:00:00:01"
VIPS = [ip_interface("192.0.2.100/24"), ip_interface("2001:db8::100/64")]
LL = ip_address("fe80::1")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 90))


def test_subprocess_builds_what_build_frames_builds_in_one_run():
    async def scenario():
        book = FrameBook()
        first = book.source(MAC, VIPS[:1])
        both = book.source(MAC, VIPS, LL)
        assert first.current() is None  # nothing is built on the caller's time
        await both.ready()
        await first.ready()
        return first.current(), both.current(), book.builds

    first, both, builds = run(scenario())
    assert first == build_frames(MAC, VIPS[:1])
    assert both == build_frames(MAC, VIPS, LL)
    assert builds == 1


def test_failed_subprocess_falls_back_to_building_in_process():
    async def scenario():
        book = FrameBook([sys.executable, "-c", "import sys; sys.exit(3)"])
        source = book.source(MAC, VIPS)
        await source.ready()
        return source.current()

    assert run(scenario()) == build_frames(MAC, VIPS)


def test_bad_input_is_refused_at_once_without_scapy():
    async def scenario():
        book = FrameBook()
        with pytest.raises(ValueError, match="cannot be announced"):
            book.source(MAC, [ip_interface("224.0.0.5/32")])
        with pytest.raises(ValueError, match="invalid MAC"):
            book.source("nope", VIPS)
        return book.building

    assert run(scenario()) is False


class Sink:
    def __init__(self) -> None:
        self.rounds: list[list[bytes]] = []

    def send(self, frames: list[bytes]) -> int:
        self.rounds.append(list(frames))
        return len(frames)


def test_schedule_started_before_the_frames_exist_sends_once_they_do():
    async def scenario():
        book, sink = FrameBook(), Sink()
        garp = GarpSchedule(sink, book.source(MAC, VIPS), repeat=2, interval=0.01,
                            second_delay=0, refresh=0)
        garp.start()
        assert sink.rounds == []
        for _ in range(900):
            if len(sink.rounds) == 2:
                break
            await asyncio.sleep(0.1)
        garp.stop()
        return sink.rounds

    assert run(scenario()) == [build_frames(MAC, VIPS)] * 2


def test_the_daemon_does_not_import_scapy():
    code = ("import sys, vrrpd.runtime.entry; "
            "sys.exit(any(m == 'scapy' or m.startswith('scapy.') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
