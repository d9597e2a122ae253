"""Log output: JSON lines that parse, console on a TTY, syslog priorities under journald."""

from __future__ import annotations

import io
import json
import os

from vrrpd import log


class _Stream(io.StringIO):
    def __init__(self, tty: bool = False) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_json_lines_parse_and_respect_the_level():
    out = _Stream()
    log.configure("info", stream=out)
    log.get().debug("hidden")
    log.get().info("transition", instance="VI_1", old="BACKUP", new="MASTER", reason="x")
    log.get().warning("careful", n=1)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["event"] for r in records] == ["transition", "careful"]
    assert records[0]["level"] == "info" and records[0]["new"] == "MASTER"
    assert "timestamp" in records[0]


def test_console_rendering_on_a_terminal():
    out = _Stream(tty=True)
    log.configure("debug", stream=out)
    log.get().info("hello", instance="VI_1")
    text = out.getvalue()
    assert "hello" in text and "instance" in text
    assert not text.lstrip().startswith("{")


def test_syslog_priority_prefix_under_journald(tmp_path, monkeypatch):
    path = tmp_path / "journal"
    with open(path, "w") as stream:
        st = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        log.configure("info", stream=stream)
        log.get().error("bad")
        log.get().info("fine")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("<3>{") and json.loads(lines[0][3:])["event"] == "bad"
    assert lines[1].startswith("<6>{")


def test_no_prefix_when_journal_stream_is_someone_elses(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")
    out = _Stream()
    log.configure("info", stream=out)
    log.get().info("x")
    assert out.getvalue().startswith("{")
