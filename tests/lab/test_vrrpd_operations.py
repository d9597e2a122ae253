"""vrrpd in the lab: unicast, IPv6, reload, split brain, bonds."""

from __future__ import annotations

import signal
import time

import pytest
from netns_lab import bonding_available, wait_until
from vrrpd_support import (
    VIP4,
    VIP6,
    instance,
    start_pair,
    status,
    vrrpd_conf,
    wait_holder,
    wait_state,
)

pytestmark = pytest.mark.lab


def test_unicast_pair_with_multicast_dropped(lab):
    lab_ = lab()
    lab_.block_multicast_vrrp()
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1",
                                           unicast_src="192.0.2.11", peers=["192.0.2.12"]))
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2",
                                           unicast_src="192.0.2.12", peers=["192.0.2.11"]))
    wait_state(r1, "MASTER")
    wait_state(r2, "BACKUP")
    time.sleep(0.5)
    assert instance(r2)["state"] == "BACKUP"  # adverts arrive by unicast: no split brain
    assert instance(r2)["counters"]["adverts_received"] > 0
    assert instance(r2)["master_ip"] == "192.0.2.11"
    prober = lab_.probe(VIP4).start()
    time.sleep(0.3)
    lab_.kill(r1, signal.SIGKILL)
    wait_state(r2, "MASTER")
    time.sleep(1.0)
    result = prober.stop()
    assert result.recovered and result.last_mac == lab_["r2"].mac, result


def test_ipv6_vip_failover_with_unsolicited_na(lab):
    lab_ = lab()
    vips = ("2001:db8::100/64",)
    r1, r2 = start_pair(lab_, vips=vips)
    wait_holder(lab_, VIP6, "r1")
    prober = lab_.probe(VIP6).start()
    time.sleep(0.3)
    lab_.kill(r1, signal.SIGKILL)
    wait_state(r2, "MASTER")
    time.sleep(1.5)
    result = prober.stop()
    # the client's neighbour entry moved to r2 because of the unsolicited NA
    assert result.recovered and result.last_mac == lab_["r2"].mac, result
    assert result.outage_ms < 2000
    assert instance(r2)["counters"]["garp_sent"] > 0
    neigh = lab_.client.ip("-6", "neigh", "show", VIP6)
    assert lab_["r2"].mac in neigh.lower(), neigh


def test_sighup_unchanged_file_causes_no_transition_and_new_vip_is_applied(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    before = instance(r1)["transitions"], instance(r2)["transitions"]
    r1.signal(signal.SIGHUP, group=False)
    r2.signal(signal.SIGHUP, group=False)
    time.sleep(1.0)
    assert (instance(r1)["transitions"], instance(r2)["transitions"]) == before
    assert "reloaded" in r1.log_tail(20)

    vips = (f"{VIP4}/24", "192.0.2.101/24")
    for proc, prio, rid in ((r1, 150, "r1"), (r2, 100, "r2")):
        proc.files["config"].write_text(vrrpd_conf(priority=prio, vips=vips, router_id=rid))
        proc.signal(signal.SIGHUP, group=False)
    wait_holder(lab_, "192.0.2.101", "r1")
    assert lab_["r1"].has_address(VIP4)
    assert (instance(r1)["transitions"], instance(r2)["transitions"]) == before
    assert instance(r1)["vips"] == list(vips)

    # an invalid file is rejected and the running config stays
    r1.files["config"].write_text("[instances.VI_1]\npriority = 999\n")
    r1.signal(signal.SIGHUP, group=False)
    wait_until(lambda: "reload rejected" in r1.log_tail(30), 5)
    assert instance(r1)["state"] == "MASTER"
    assert instance(r1)["vips"] == list(vips)
    assert r1.running


def test_split_brain_then_heal(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    lab_.partition_vrrp("r1", "r2")
    wait_state(r2, "MASTER")  # cannot hear r1 any more
    assert instance(r1)["state"] == "MASTER"
    lab_.heal_vrrp()
    wait_state(r2, "BACKUP")
    wait_holder(lab_, VIP4, "r1")
    prober = lab_.probe(VIP4).start()
    time.sleep(0.5)
    result = prober.stop()
    # after the heal the client reaches the one master
    assert result.received > 0 and result.last_mac == lab_["r1"].mac, result
    assert instance(r1)["state"] == "MASTER"


@pytest.mark.skipif(not bonding_available(), reason="kernel has no bonding module")
def test_bond_slave_failure_causes_no_transition(lab):
    lab_ = lab(bond_hosts=("r1",))
    r1, r2 = start_pair(lab_)
    before = instance(r1)["transitions"], instance(r2)["transitions"]
    active = lab_.bond_active_slave("r1")
    assert active is not None
    lab_.bond_slave_down("r1", active)
    time.sleep(1.5)  # > Master_Down_Interval several times over
    assert (instance(r1)["transitions"], instance(r2)["transitions"]) == before
    assert instance(r1)["state"] == "MASTER"
    assert lab_.bond_active_slave("r1") not in (None, active)
    assert lab_.client.ping(VIP4)


def test_vip_deleted_by_an_admin_is_readded_while_master(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    lab_["r1"].ip("addr", "del", f"{VIP4}/24", "dev", "eth0")
    wait_until(lambda: lab_["r1"].has_address(VIP4), 5, message="VIP re-added")
    inst = instance(r1)
    assert inst["counters"]["vip_readded"] == 1
    assert inst["state"] == "MASTER" and inst["transitions"] == 2
    assert "re-added" in r1.log_tail(30)
    assert lab_.client.ping(VIP4)


def test_sighup_moves_a_vrid_to_a_renamed_instance(lab):
    """A reload that renames an instance (same VRID, same VIP) stops the old one before the
    new one starts; it once failed with "VRID 51 already used" and left no instance."""
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    r2.files["config"].write_text(vrrpd_conf(name="VI_renamed", priority=100, router_id="r2"))
    r2.signal(signal.SIGHUP, group=False)
    wait_until(lambda: "reloaded" in r2.log_tail(30), 5)
    names = [i["name"] for i in status(r2)["instances"]]
    assert names == ["VI_renamed"], r2.log_tail(30)
    wait_state(r2, "BACKUP", name="VI_renamed")
    lab_.port_down("r1")
    wait_state(r2, "MASTER", name="VI_renamed")
    wait_until(lambda: lab_["r2"].has_address(VIP4), 5, message="r2 holds the VIP")
