"""systemd/vrrpd.service: the options the issue promises, and `systemd-analyze verify`."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[1] / "systemd" / "vrrpd.service"


def _service() -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keep systemd's key case
    parser.read_string(UNIT.read_text())
    return dict(parser["Service"])


def test_unit_promises():
    svc = _service()
    assert svc["Type"] == "notify"
    assert svc["WatchdogSec"]
    assert "kill -HUP $MAINPID" in svc["ExecReload"]
    assert svc["Restart"] == "on-failure"
    assert set(svc["CapabilityBoundingSet"].split()) == {"CAP_NET_ADMIN", "CAP_NET_RAW"}
    assert set(svc["AmbientCapabilities"].split()) == {"CAP_NET_ADMIN", "CAP_NET_RAW"}
    for hardening in ("ProtectSystem", "ProtectHome", "NoNewPrivileges", "PrivateTmp"):
        assert svc[hardening] in ("yes", "strict"), hardening
    # raw sockets, netlink and AF_PACKET (GARP) must stay allowed
    assert {"AF_NETLINK", "AF_PACKET", "AF_INET", "AF_INET6", "AF_UNIX"} <= set(
        svc["RestrictAddressFamilies"].split())
    assert svc["RuntimeDirectory"] == "vrrpd"  # /run/vrrpd for the control socket
    # the install layout: make install / make deb rewrite /usr/sbin for their PREFIX
    assert svc["ExecStart"] == "/usr/sbin/vrrpd run -c /etc/vrrpd/vrrpd.toml"
    assert svc["ExecStartPre"] == "/usr/sbin/vrrpd check-config -c /etc/vrrpd/vrrpd.toml"


def test_sandbox_keeps_what_vrrpd_and_its_hooks_need():
    svc = _service()
    # hooks and track scripts are subprocesses: the syscall filter must allow @process
    filters = [line.split("=", 1)[1] for line in UNIT.read_text().splitlines()
               if line.startswith("SystemCallFilter=")]
    assert filters == ["@system-service", "~@privileged @resources"]
    assert "EPERM" in svc["SystemCallErrorNumber"]  # a refused call fails, nothing is killed
    # node_exporter reads the textfile as its own user: files must stay world-readable
    assert int(svc["UMask"], 8) & 0o004 == 0
    assert "/var/lib/prometheus/node-exporter" in svc["ReadWritePaths"]
    text = UNIT.read_text()
    assert "EROFS" in text and "ReadWritePaths=" in text  # says why a hook cannot write


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_exposure_score_at_most_2_5():
    done = subprocess.run(["systemd-analyze", "security", "--offline=true", str(UNIT)],
                          capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for vrrpd\.service: ([0-9.]+)", done.stdout)
    assert match, done.stdout + done.stderr
    assert float(match[1]) <= 2.5, done.stdout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verify(tmp_path):
    vrrpd = Path(sys.executable).with_name("vrrpd")
    if not vrrpd.exists():
        pytest.fail(f"{vrrpd} missing: the project is not pip-installed in this venv")
    unit = tmp_path / "vrrpd.service"
    unit.write_text(UNIT.read_text().replace("/usr/sbin/vrrpd", str(vrrpd)))
    # --man=no: the man:vrrpd(8) pages exist once installed (tests/packaging checks `man -w`)
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)],
                          capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
