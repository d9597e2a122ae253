"""2 000 idle connections each on the control socket and the metrics endpoint of a master:
the daemon serves at most 64 of each at once, its descriptors stay bounded and its adverts
keep their interval (seen from the backup, which neither takes over nor misses adverts)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from netns_lab import wait_until
from vrrpd_support import instance, status, vrrpd_conf, wait_state

from vrrpd.control.server import BACKLOG, MAX_CLIENTS

pytestmark = pytest.mark.lab

AGENT = Path(__file__).with_name("conn_agent.py")
METRICS = '\n[metrics]\nlisten = "192.0.2.11:9650"\n'
HOLD_S = 6.0


def _fds(proc) -> int:
    return len(list(Path(f"/proc/{proc.pid}/fd").iterdir()))


def test_two_thousand_connections_do_not_stop_adverts(lab):
    lab_ = lab()
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1") + METRICS)
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2"))
    wait_state(r2, "BACKUP")
    fds_before = _fds(r1)
    before = instance(r2)
    agent = lab_.start("client", [sys.executable, str(AGENT), "--tcp", "192.0.2.11:9650",
                                  "--unix", str(r1.files["socket"]), "--count", "2000",
                                  "--hold", str(HOLD_S)], name="conn-agent")
    started = time.monotonic()
    wait_until(lambda: "opened" in agent.log_text(), 30, 0.1)
    peak = fds_before
    while agent.running and time.monotonic() - started < HOLD_S + 30:
        peak = max(peak, _fds(r1))
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    assert agent.wait(10) == 0, agent.log_tail(20)
    lines = [json.loads(ln) for ln in agent.log_text().splitlines() if ln.startswith("{")]
    assert lines[0]["opened"] == {"tcp": 2000, "unix": 2000}, lines
    after = instance(r2)
    assert after["state"] == "BACKUP" and after["transitions"] == before["transitions"]
    received = after["counters"]["adverts_received"] - before["counters"]["adverts_received"]
    # 10 adverts/s from r1 while the agent ran; generous: a quarter may be late or lost
    assert received >= 0.75 * 10 * elapsed - 5, (received, elapsed)
    # held: 64 per endpoint; in flight: what asyncio accepted (16 per endpoint per wake-up,
    # a few wake-ups from accept to close). A constant, whatever the number of clients
    # (before: one descriptor per client, 1 013 of 1 024 with 1 000 clients).
    limit = fds_before + 2 * MAX_CLIENTS + 8 * BACKLOG + 16
    print(f"descriptors: {fds_before} before, peak {peak} (limit {limit})")
    assert peak < limit, (fds_before, peak, limit)
    st = status(r1)
    assert st["refused_connections"]["metrics"] > 0 and st["refused_connections"]["control"] > 0
    assert st["loop_lag"]["max_seconds"] < st["loop_lag"]["threshold_seconds"], st["loop_lag"]
    assert "Traceback" not in r1.log_text()
