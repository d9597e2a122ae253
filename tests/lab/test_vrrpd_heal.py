"""A VRRP partition healed soon after the backup took over: one master again and the client
back on it (regression cover for the heal path), also when the master never hears the
backup's adverts after the heal (only the split-brain claim watch can bring the client back)."""

from __future__ import annotations

import time

import pytest
from netns_lab import wait_until
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


def test_heal_the_master_never_hears_brings_the_client_back(lab):
    # The chaos run's race, made certain: after the heal r2 hears r1 and steps down, but r1
    # never hears r2 (its adverts stay dropped), so r1's Router never sees a lower master to
    # heal. r2's takeover GARP pulled the client over; a window of 10 intervals keeps r2's
    # short claim a suspicion (no split-brain episode). Only the suspicion ending may announce.
    lab_ = lab()
    r1, r2 = start_pair(lab_, extra="split_brain_after = 10")
    prober = lab_.probe(VIP4, interval=0.005).start()
    time.sleep(0.3)
    lab_.partition_vrrp("r1", "r2")
    wait_state(r2, "MASTER", timeout=5)
    wait_until(lambda: prober.snapshot().last_mac == lab_["r2"].mac, 3,
               message="client pulled over to r2 by its GARP")
    lab_.partition_vrrp("r2", "r1", one_way=True, replace=True)  # r1 -> r2 flows again
    try:
        wait_state(r2, "BACKUP", timeout=5)
        wait_holder(lab_, VIP4, "r1")
        time.sleep(3.5)  # window (1 s) + the announce's second burst (past the ARP locktime)
        result = prober.stop()
    finally:
        lab_.heal_vrrp()
    assert result.last_mac == lab_["r1"].mac, lab_.report()
    assert result.recovered, lab_.report()
