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


# -- native journald ----------------------------------------------------------------------

import socket  # noqa: E402

import pytest  # noqa: E402

from vrrpd.export import journald  # noqa: E402


@pytest.fixture
def fake_journal(tmp_path):
    """A unix datagram socket standing in for /run/systemd/journal/socket."""
    path = str(tmp_path / "journal.socket")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield path, sock
    sock.close()
    log.configure("info", stream=_Stream(), journald=False)  # drop our journal socket


def entries(sock) -> list[dict[str, str]]:
    found = []
    sock.setblocking(False)
    while True:
        try:
            found.append(dict(journald.decode(sock.recv(65536))))
        except BlockingIOError:
            return found


def test_encode_decode_round_trip_with_multi_line_values():
    fields = {"MESSAGE": "two\nlines", "PRIORITY": "6", "VRRP_X": "a=b", "VRRP_EMPTY": ""}
    raw = journald.encode(fields)
    assert raw.startswith(b"MESSAGE\n" + (9).to_bytes(8, "little") + b"two\nlines\n")
    assert b"VRRP_X=a=b\n" in raw
    assert dict(journald.decode(raw)) == fields


@pytest.mark.parametrize("raw", [
    b"MESSAGE\n" + (4).to_bytes(8, "little") + b"two\nlines\n",  # wrong length
    b"MESSAGE\n" + b"\x01\x00",  # truncated length
    b"MESSAGE=no newline",
])
def test_decode_rejects_malformed_entries(raw):
    with pytest.raises(ValueError):
        journald.decode(raw)


def test_field_names():
    assert journald.field_name("old_state") == "VRRP_OLD_STATE"
    assert journald.field_name("other-ip.v4") == "VRRP_OTHER_IP_V4"
    assert journald.field_name("_x", prefix="") == "X"
    assert len(journald.field_name("k" * 100)) == 64


def test_journal_stream_writes_native_fields(fake_journal, tmp_path, monkeypatch):
    path, sock = fake_journal
    with open(tmp_path / "stderr", "w") as stream:
        st = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert log.configure("info", stream=stream, journal_socket=path)
        log.get().info("transition", instance="VI_1", state="MASTER", old_state="BACKUP",
                       reason="master down timer", new="MASTER", old="BACKUP", priority=150)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.get().exception("failed", instance="VI_2")
    assert (tmp_path / "stderr").read_text() == ""  # nothing fell back to the stream
    first, second = entries(sock)
    assert first["PRIORITY"] == "6" and first["SYSLOG_IDENTIFIER"] == "vrrpd"
    assert (first["VRRP_INSTANCE"], first["VRRP_STATE"], first["VRRP_OLD_STATE"],
            first["VRRP_REASON"], first["VRRP_PRIORITY"]) == (
        "VI_1", "MASTER", "BACKUP", "master down timer", "150")
    assert "VRRP_NEW" not in first and "VRRP_OLD" not in first  # the aliases, not twice
    assert first["MESSAGE"].startswith("transition instance=VI_1 state=MASTER")
    assert first["VRRP_EVENT"] == "transition"
    assert second["PRIORITY"] == "3" and "RuntimeError: boom" in second["VRRP_EXCEPTION"]
    assert "\n" in second["VRRP_EXCEPTION"]  # sent in the binary-length form
    # what `journalctl VRRP_INSTANCE=VI_1` does: filter on the field
    assert [e["VRRP_EVENT"] for e in (first, second) if e.get("VRRP_INSTANCE") == "VI_1"] == [
        "transition"]


def test_forced_journald_without_a_socket_falls_back_to_prefixed_json(tmp_path):
    out = _Stream()
    assert not log.configure("info", stream=out, journald=True,
                             journal_socket=str(tmp_path / "absent.socket"))
    log.get().warning("careful")
    assert out.getvalue().startswith("<4>{")


def test_journald_off_ignores_the_journal_stream(fake_journal, tmp_path, monkeypatch):
    path, sock = fake_journal
    out = _Stream()
    monkeypatch.setenv("JOURNAL_STREAM", "1:2")
    assert not log.configure("info", stream=out, journal_socket=path)  # not our stream
    assert not log.configure("info", stream=out, journald=False, journal_socket=path)
    log.get().info("x")
    assert out.getvalue().startswith("{") and entries(sock) == []


def test_an_entry_journald_refuses_goes_to_the_stream(fake_journal, tmp_path):
    path, sock = fake_journal
    out = _Stream()
    assert log.configure("info", stream=out, journald=True, journal_socket=path)
    log.get().info("big", blob="x" * 300_000)  # larger than a datagram may be
    log.get().info("small")
    assert json.loads(out.getvalue()[3:])["event"] == "big"
    assert [e["VRRP_EVENT"] for e in entries(sock)] == ["small"]
