"""systemd/vrrpd.service: the options the issue promises, and `systemd-analyze verify`."""

from __future__ import annotations

import configparser
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


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verify(tmp_path):
    vrrpd = Path(sys.executable).with_name("vrrpd")
    if not vrrpd.exists():
        pytest.fail(f"{vrrpd} missing: the project is not pip-installed in this venv")
    unit = tmp_path / "vrrpd.service"
    unit.write_text(UNIT.read_text().replace("/usr/local/bin/vrrpd", str(vrrpd)))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
