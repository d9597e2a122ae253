"""`vrrpd status` end to end against a fake daemon socket (no root needed)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

from vrrpd.cli import main

STATUS = {"version": "0.1.0", "router_id": "t", "instances": [
    {"name": "VI_1", "state": "MASTER", "priority": 150, "base_priority": 150,
     "master_ip": "192.0.2.11", "vips": ["192.0.2.100/24"], "since": None, "transitions": 1}]}


def _fake_daemon(path: str) -> threading.Thread:
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(10)

    def serve() -> None:
        with srv:
            conn, _ = srv.accept()
            with conn:
                conn.recv(4096)
                conn.sendall(json.dumps(STATUS).encode() + b"\n")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return t


def test_status_json(tmp_path, capsys):
    path = str(tmp_path / "s.sock")
    t = _fake_daemon(path)
    assert main(["status", "--socket", path, "--json"]) == 0
    t.join(5)
    assert json.loads(capsys.readouterr().out) == STATUS


def test_status_table_uses_vrrpd_socket_env(tmp_path, capsys, monkeypatch):
    path = str(tmp_path / "s.sock")
    monkeypatch.setenv("VRRPD_SOCKET", path)
    t = _fake_daemon(path)
    assert main(["status"]) == 0
    t.join(5)
    assert "VI_1" in capsys.readouterr().out


def test_status_without_daemon_is_one_line_exit_1(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "vrrpd", "status", "--socket", str(tmp_path / "none.sock")],
        capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0
    assert "no vrrpd running" in proc.stderr


def test_status_does_not_import_scapy_or_pyroute2(tmp_path):
    code = ("import sys; from vrrpd.cli import main; "
            f"main(['status', '--socket', {str(tmp_path / 'x.sock')!r}]); "
            "bad = [m for m in ('scapy', 'pyroute2', 'asyncio') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
    assert proc.returncode == 0


def test_run_with_bad_config_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[instances.VI_1]\ninterface = 'eth0'\nvirtual_router_id = 300\n"
                   "virtual_ipaddress = ['192.0.2.100/24']\n")
    proc = subprocess.run([sys.executable, "-m", "vrrpd", "run", "-c", str(bad)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "instances.VI_1.virtual_router_id" in proc.stderr
    assert "Traceback" not in proc.stderr
