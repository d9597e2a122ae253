"""sd_notify against a fake NOTIFY_SOCKET."""

from __future__ import annotations

import os
import socket

import pytest

from vrrpd.export.sdnotify import Notifier


@pytest.fixture
def fake_systemd(tmp_path):
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(1.0)
    yield path, sock
    sock.close()


def test_messages_reach_the_socket(fake_systemd):
    path, sock = fake_systemd
    n = Notifier(path)
    assert n.enabled
    assert n.ready("VI_1=BACKUP")
    assert sock.recv(4096) == b"READY=1\nSTATUS=VI_1=BACKUP"
    assert n.status("VI_1=MASTER")
    assert sock.recv(4096) == b"STATUS=VI_1=MASTER"
    assert n.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert n.stopping()
    assert sock.recv(4096) == b"STOPPING=1\nSTATUS=stopping"
    n.close()


def test_without_systemd_everything_is_a_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    n = Notifier()
    assert not n.enabled
    assert not n.ready("x")
    assert not n.watchdog()


def test_vanished_socket_does_not_raise(tmp_path):
    n = Notifier(str(tmp_path / "gone"))
    assert n.ready("x") is False


def test_watchdog_interval_is_half_of_watchdog_usec(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "10000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert Notifier("").watchdog_interval() == 5.0
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert Notifier("").watchdog_interval() is None
    monkeypatch.delenv("WATCHDOG_PID")
    monkeypatch.setenv("WATCHDOG_USEC", "junk")
    assert Notifier("").watchdog_interval() is None
