"""Interface lifecycle in the lab: an interface deleted and re-created (new ifindex, new MAC)
or renamed away and back; the instance goes FAULT, comes back, and HA works afterwards."""

from __future__ import annotations

import signal
import time

import pytest
from netns_lab import wait_until
from netns_lab.iface_faults import interface_mac
from vrrpd_support import (
    VIP4,
    VIP6,
    instance,
    start_pair,
    vrrpd_conf,
    wait_holder,
    wait_state,
)

pytestmark = pytest.mark.lab


def _neighbour_mac(lab, address: str) -> str | None:
    for entry in lab["client"].ip_json("neigh", "show", "dev", "eth0"):
        if entry.get("dst") == address and entry.get("lladdr"):
            return entry["lladdr"].lower()
    return None


def _client_reaches(lab, address: str, mac: str) -> None:
    """The client can ping the VIP and its neighbour entry points at `mac`."""
    def reaches() -> bool:
        return lab["client"].ping(address, count=2, interval=0.1) and _neighbour_mac(
            lab, address) == mac.lower()

    reaches.__name__ = f"client reaches {address} at {mac}"
    wait_until(reaches, 10.0, 0.2)


def _start_variant(lab_, variant: str) -> tuple:
    """r1 (150) MASTER and r2 (100) BACKUP; returns them and the VIP the client probes."""
    if variant == "ipv4":
        return (*start_pair(lab_), VIP4)
    if variant == "ipv6":  # VRRPv3 over IPv6: a link-local first address, as RFC 9568 wants
        return (*start_pair(lab_, vips=("fe80::51/64", f"{VIP6}/64")), VIP6)
    r1_ip, r2_ip = lab_["r1"].ipv4, lab_["r2"].ipv4  # unicast: adverts to the peer only
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1", unicast_src=r1_ip,
                                           peers=[r2_ip]))
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2", unicast_src=r2_ip,
                                           peers=[r1_ip]))
    wait_state(r2, "BACKUP")
    return r1, r2, VIP4


@pytest.mark.parametrize("variant", ["ipv4", "ipv6", "unicast"])
def test_backup_interface_recreated_then_master_dies(lab, variant: str):
    lab_ = lab()
    r1, r2, vip = _start_variant(lab_, variant)
    lab_.delete_interface("r2")
    wait_state(r2, "FAULT")
    assert instance(r2)["interface_lost"] is True
    mac = lab_.create_interface("r2")
    inst = wait_state(r2, "BACKUP", timeout=15)
    assert inst["interface_lost"] is False
    assert "interface back; instance re-bound" in r2.log_tail(80)
    time.sleep(0.5)
    assert instance(r2)["state"] == "BACKUP"  # hears r1 on the new interface
    lab_.kill(r1, signal.SIGKILL)  # before the fix: nobody took over, for ever
    wait_state(r2, "MASTER")
    wait_until(lambda: lab_["r2"].has_address(vip), 5)
    _client_reaches(lab_, vip, mac)  # GARP/NA came from the new MAC


def test_master_interface_recreated_returns_and_preempts(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    lab_.delete_interface("r1")
    wait_state(r1, "FAULT")
    wait_state(r2, "MASTER")
    wait_until(lambda: lab_["r2"].has_address(VIP4), 5)  # r1 has no eth0 to look at
    mac = lab_.create_interface("r1")
    wait_state(r1, "MASTER", timeout=15)  # BACKUP first, then preempts by priority
    wait_state(r2, "BACKUP")
    wait_holder(lab_, VIP4, "r1")
    _client_reaches(lab_, VIP4, mac)
    assert interface_mac(lab_["r1"]) == mac
    lab_.kill(r1, signal.SIGKILL)  # and the pair still fails over
    wait_state(r2, "MASTER")


def test_backup_interface_renamed_away_and_back(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    lab_.rename_interface("r2", "eth0", "spare0")
    inst = wait_state(r2, "FAULT")
    assert inst["interface_lost"] is True
    time.sleep(0.5)
    assert instance(r2)["state"] == "FAULT"  # a renamed interface is not ours any more
    lab_.rename_interface("r2", "spare0", "eth0")
    wait_state(r2, "BACKUP", timeout=15)
    time.sleep(0.5)
    assert instance(r2)["state"] == "BACKUP"  # hears r1 again
    lab_.kill(r1, signal.SIGKILL)  # (leaves its VIP behind: a crash)
    wait_state(r2, "MASTER")
    wait_until(lambda: lab_["r2"].has_address(VIP4), 5)
