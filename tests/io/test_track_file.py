"""Tracked files: one integer, everything else counts as 0 (logged once), FIFOs never block."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from vrrpd.io.track_file import FilePoller, read_value

pytestmark = pytest.mark.timeout(30)


@pytest.mark.parametrize(
    ("content", "value"),
    [
        ("5", 5),
        ("-3\n", -3),
        ("  +12  \n", 12),
        ("0", 0),
        ("123456789012345678", 123456789012345678),
    ],
)
def test_one_integer(tmp_path, content, value):
    path = tmp_path / "adj"
    path.write_text(content)
    assert read_value(str(path)) == (value, None)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "does not hold one integer: ''"),
        ("abc", "does not hold one integer: 'abc'"),
        ("1 2", "does not hold one integer: '1 2'"),
        ("1.5", "does not hold one integer: '1.5'"),
        ("9" * 60, "does not hold one integer: '" + "9" * 40 + "...'"),
    ],
)
def test_garbage_counts_as_zero(tmp_path, content, problem):
    path = tmp_path / "adj"
    path.write_text(content)
    assert read_value(str(path)) == (0, problem)


def test_missing_file_counts_as_zero(tmp_path):
    assert read_value(str(tmp_path / "nope")) == (0, "cannot open: No such file or directory")


def test_directory_counts_as_zero(tmp_path):
    assert read_value(str(tmp_path)) == (0, "not a regular file")


def test_a_fifo_is_not_read_and_does_not_block(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert read_value(str(fifo)) == (0, "not a regular file")


def test_poller_reports_changes_only_and_logs_a_problem_once(tmp_path, monkeypatch):
    path = tmp_path / "adj"
    seen: list[tuple[str, int]] = []
    poller = FilePoller({"adj": str(path)}, lambda name, value: seen.append((name, value)))
    logged: list[str] = []
    monkeypatch.setattr(poller, "_log", _Recorder(logged))
    poller.poll()  # missing: 0, one warning
    poller.poll()
    path.write_text("4")
    poller.poll()
    poller.poll()
    path.write_text("junk")
    poller.poll()
    poller.poll()
    assert seen == [("adj", 0), ("adj", 4), ("adj", 0)]
    assert logged == ["tracked file counts as 0", "tracked file readable again",
                      "tracked file counts as 0"]  # fmt: skip
    assert poller.problems == {"adj": "does not hold one integer: 'junk'"}


def test_poller_task_polls_every_interval(tmp_path):
    path = tmp_path / "adj"
    path.write_text("1")
    seen: list[int] = []

    async def scenario():
        poller = FilePoller({"adj": str(path)}, lambda _, value: seen.append(value), interval=0.05)
        poller.start()
        try:
            await _until(lambda: seen == [1])
            path.write_text("2")
            await _until(lambda: seen == [1, 2])
        finally:
            await poller.close()

    asyncio.run(asyncio.wait_for(scenario(), 10))


class _Recorder:
    def __init__(self, messages: list[str]) -> None:
        self.messages = messages

    def info(self, message: str, **_: object) -> None:
        self.messages.append(message)

    warning = info


async def _until(predicate, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def test_poller_reads_a_replaced_file(tmp_path):
    path = tmp_path / "adj"
    path.write_text("1")
    seen: list[int] = []
    poller = FilePoller({"adj": str(path)}, lambda _, value: seen.append(value))
    poller.poll()
    replacement = Path(tmp_path / "adj.new")
    replacement.write_text("7")
    replacement.rename(path)
    poller.poll()
    assert seen == [1, 7]
