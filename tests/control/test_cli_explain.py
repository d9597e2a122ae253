"""`vrrpd explain` end to end against a fake daemon socket (no root needed)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

from vrrpd.cli import main
from vrrpd.control.explain import render_text

REPLY = {"schema_version": 1, "version": "0.1.0", "router_id": "lb-b", "instances": [{
    "name": "VI_1", "state": "BACKUP", "since": 1000.0,
    "rule": "BACKUP: master 192.0.2.11 priority 150 > our 100; preempt on but lower",
    "priority": {"effective": 100, "base": 100, "owner": False, "tracked": [],
                 "fault_reasons": [], "text": "100 = base 100"},
    "peers": [{"address": "192.0.2.11", "text": "192.0.2.11: priority 150, interval 1 s, "
               "last advert 0.4 s ago"}],
    "vip_claims": [], "vip_holders": ["no other host seen claiming our VIPs"],
    "split_brain": None, "timers": {"master_down": 3.2}}]}


def _fake_daemon(path: str, seen: list[dict]) -> threading.Thread:
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(10)

    def serve() -> None:
        with srv:
            conn, _ = srv.accept()
            with conn:
                seen.append(json.loads(conn.recv(4096)))
                conn.sendall(json.dumps(REPLY).encode() + b"\n")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def test_explain_json_and_the_request_it_sends(tmp_path, capsys):
    path, seen = str(tmp_path / "s.sock"), []
    t = _fake_daemon(path, seen)
    assert main(["explain", "VI_1", "--socket", path, "--json"]) == 0
    t.join(5)
    assert seen == [{"cmd": "explain", "instance": "VI_1"}]
    assert json.loads(capsys.readouterr().out) == REPLY


def test_explain_text(tmp_path, capsys):
    path, seen = str(tmp_path / "s.sock"), []
    t = _fake_daemon(path, seen)
    assert main(["explain", "--socket", path]) == 0
    t.join(5)
    assert seen == [{"cmd": "explain", "instance": None}]
    out = capsys.readouterr().out
    assert "why:      BACKUP: master 192.0.2.11 priority 150 > our 100; preempt on but lower" in out
    assert "hears:    192.0.2.11: priority 150" in out


def test_render_text_layout():
    lines = render_text(REPLY, now=1090.0).splitlines()
    assert lines[0] == "vrrpd 0.1.0 router_id=lb-b"
    assert lines[2].startswith("VI_1: BACKUP since ") and lines[2].endswith("(1m30s)")
    assert lines[-1] == "  VIPs:     no other host seen claiming our VIPs"


def test_explain_without_daemon_is_one_line_exit_1(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "vrrpd", "explain", "--socket", str(tmp_path / "none.sock")],
        capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("vrrpd explain: no vrrpd running")


def test_explain_client_stays_light(tmp_path):
    path = str(tmp_path / "x.sock")
    code = ("import sys; from vrrpd.cli import main; "
            f"main(['explain', 'VI_1', '--socket', {path!r}]); "
            "bad = [m for m in ('scapy', 'pyroute2', 'asyncio', 'structlog', 'msgspec') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
