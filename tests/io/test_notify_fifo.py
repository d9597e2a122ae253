"""The keepalived-style notify FIFO writer: line format, never blocks, drops when full."""

from __future__ import annotations

import os
import time

import pytest

from vrrpd.io.notify_fifo import NotifyFifo, close_all, fifo_line, fifo_stats, notify_fifo


def test_line_format_matches_keepalived():
    assert fifo_line("INSTANCE", "VI_1", "MASTER", 100) == 'INSTANCE "VI_1" MASTER 100\n'
    assert fifo_line("GROUP", "G1", "BACKUP", 0) == 'GROUP "G1" BACKUP 0\n'
    with pytest.raises(ValueError):
        fifo_line("VRRP", "x", "MASTER", 1)


def test_creates_the_fifo_a_reader_gets_lines_and_close_removes_it(tmp_path):
    path = str(tmp_path / "notify.fifo")
    fifo = NotifyFifo(path)
    reader = None
    try:
        assert fifo.write(fifo_line("INSTANCE", "VI_1", "BACKUP", 100))  # no reader yet: buffered
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        assert fifo.write(fifo_line("INSTANCE", "VI_1", "MASTER", 100))
        assert os.read(reader, 4096).decode() == (
            'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\n'
        )
    finally:
        if reader is not None:
            os.close(reader)
        fifo.close()
    assert not os.path.exists(path)
    assert (fifo.written, fifo.dropped) == (2, 0)


def test_a_full_fifo_drops_and_counts_without_blocking(tmp_path):
    path = str(tmp_path / "full.fifo")
    os.mkfifo(path)
    fifo = NotifyFifo(path)
    try:
        line = fifo_line("INSTANCE", "VI_1" * 20, "MASTER", 100)
        start = time.monotonic()
        for _ in range(100_000 // len(line) * 2):  # twice a default 64 KiB pipe
            fifo.write(line)
        assert time.monotonic() - start < 5.0
        assert fifo.dropped > 0 and fifo.written > 0
    finally:
        fifo.close()
    assert os.path.exists(path)  # not created by vrrpd: left in place


def test_a_path_that_is_not_a_fifo_drops(tmp_path):
    path = tmp_path / "plain"
    path.write_text("")
    fifo = NotifyFifo(str(path))
    assert not fifo.write(fifo_line("INSTANCE", "VI_1", "MASTER", 1))
    assert fifo.dropped == 1
    fifo.close()


def test_fifo_stats_for_the_status_json(tmp_path):
    path = str(tmp_path / "stats.fifo")
    assert fifo_stats(None) is None
    assert fifo_stats(path) == {"path": path, "written": 0, "dropped": 0}  # nothing yet
    fifo = notify_fifo(path)
    try:
        fifo.write(fifo_line("INSTANCE", "VI_1", "MASTER", 100))
        assert fifo_stats(path) == {"path": path, "written": 1, "dropped": 0}
    finally:
        close_all()
