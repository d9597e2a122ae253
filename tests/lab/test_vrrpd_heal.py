"""A VRRP partition healed soon after the backup took over: one master again and the client
back on it (regression cover for the heal path; the late-announcement race the chaos run
found is covered by the GarpSchedule unit test and the chaos run itself)."""

from __future__ import annotations

import time

import pytest
from vrrpd_support import VIP4, start_pair, wait_holder, wait_state

pytestmark = pytest.mark.lab


def test_partition_healed_quickly_client_comes_back_to_the_master(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    prober = lab_.probe(VIP4, interval=0.005).start()
    time.sleep(0.3)
    lab_.partition_vrrp("r1", "r2")
    wait_state(r2, "MASTER", timeout=5)  # two masters; r2's GARP pulls the client over
    lab_.heal_vrrp()
    wait_state(r2, "BACKUP", timeout=5)
    wait_holder(lab_, VIP4, "r1")
    time.sleep(2.0)
    result = prober.stop()
    assert result.recovered, lab_.report()
    assert result.last_mac == lab_["r1"].mac
    assert result.outage_ms < 2500, result.outage_ms  # generous; the chaos run has figures
