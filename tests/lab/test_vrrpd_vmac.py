"""VMAC (use_vmac) in the lab: the VIP lives on a macvlan with the virtual MAC, so a
failover changes nothing in the client's neighbour table (the point of VMAC: no ARP update
needed, only the bridge learns the new port from the new master's gratuitous ARP); the
macvlan is removed at stop and a leftover of a killed run is cleaned at the next start.
"""

from __future__ import annotations

import signal
import time

import pytest
from netns_lab import keepalived_conf, wait_until
from vrrpd_support import (
    VIP4,
    instance,
    keepalived_rejections,
    keepalived_states,
    stop,
    vrrpd_conf,
    vrrpd_states,
    wait_holder,
    wait_keepalived_state,
    wait_state,
)

pytestmark = pytest.mark.lab

VMAC = "00:00:5e:00:01:33"  # VRID 51


def vmac_conf(priority: int, router_id: str, extra: str = "use_vmac = true") -> str:
    return vrrpd_conf(priority=priority, router_id=router_id, extra=extra)


def neighbour(lab_, address: str) -> str | None:
    for entry in lab_["client"].ip_json("neigh", "show", address):
        return entry.get("lladdr")
    return None


def holder_of_vmac(lab_, host: str) -> bool:
    """`host` has the VIP on vrrp.51 (not on eth0)."""
    text = lab_[host].ip("-4", "addr", "show", "dev", "vrrp.51")
    return f"{VIP4}/" in text


def macvlans(lab_, host: str) -> list[str]:
    return [link["ifname"] for link in lab_[host].ip_json("-d", "link", "show", "type", "macvlan")]


def test_failover_keeps_the_clients_neighbour_entry_on_the_virtual_mac(lab):
    lab_ = lab()
    r1 = lab_.start_vrrpd("r1", vmac_conf(150, "r1"))
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vmac_conf(100, "r2"))
    wait_state(r2, "BACKUP")
    wait_until(lambda: holder_of_vmac(lab_, "r1"), 5)
    link = lab_["r1"].ip_json("-d", "link", "show", "vrrp.51")[0]
    assert link["address"] == VMAC
    assert link["linkinfo"]["info_data"]["mode"] == "private"
    assert lab_["r1"].run(["sysctl", "-n", "net.ipv4.conf.eth0.arp_ignore"]).stdout.strip() == "1"
    assert lab_["client"].ping(VIP4)
    assert neighbour(lab_, VIP4) == VMAC
    stop(r1)  # priority 0 at stop: r2 takes over at once
    wait_state(r2, "MASTER", timeout=5)
    wait_until(lambda: holder_of_vmac(lab_, "r2"), 5)
    assert macvlans(lab_, "r1") == []  # removed at stop
    assert lab_["client"].ping(VIP4)  # the bridge learnt r2's port from its GARP
    assert neighbour(lab_, VIP4) == VMAC
    wait_holder(lab_, VIP4, None)  # eth0 of neither router holds the VIP
    assert instance(r2)["state"] == "MASTER"


def test_a_vmac_left_by_a_killed_run_is_removed_at_the_next_start(lab):
    lab_ = lab()
    r1 = lab_.start_vrrpd("r1", vmac_conf(150, "r1"))
    wait_state(r1, "MASTER")
    lab_.kill(r1, signal.SIGKILL)
    r1.wait(5)
    assert macvlans(lab_, "r1") == ["vrrp.51"]  # a crash leaves it behind
    lab_["r1"].ip("link", "add", "vrrp.77", "link", "eth0", "type", "macvlan")  # not ours
    r1 = lab_.start_vrrpd("r1", vmac_conf(150, "r1", 'use_vmac = "vmac51"'))
    wait_state(r1, "MASTER")
    assert sorted(macvlans(lab_, "r1")) == ["vmac51", "vrrp.77"]
    assert "removed a VMAC left by an earlier run" in r1.log_text()


def keepalived_vmac_conf(priority: int) -> str:
    conf = keepalived_conf(router_id="ka", vrid=51, priority=priority, advert_int=0.1,
                           vips=[f"{VIP4}/24"])  # fmt: skip
    return conf.replace(" dev eth0", "").replace("    version 3\n", "    version 3\n    use_vmac\n")


@pytest.mark.parametrize("master", ["keepalived", "vrrpd"])
def test_mixed_pair_with_keepalived_use_vmac(lab, master: str):
    """The master (150, r1) is one implementation, the backup (100, r2) the other, both with
    use_vmac; stopping the master moves the VIP, the client's entry stays on the VMAC."""
    lab_ = lab()

    def start(host: str, kind: str, priority: int):
        if kind == "keepalived":
            return lab_.start_keepalived(host, keepalived_vmac_conf(priority))
        return lab_.start_vrrpd(host, vmac_conf(priority, host))

    backup = "vrrpd" if master == "keepalived" else "keepalived"
    r1 = start("r1", master, 150)
    if master == "keepalived":
        wait_keepalived_state(r1, "MASTER")
    else:
        wait_state(r1, "MASTER")
    r2 = start("r2", backup, 100)
    if backup == "keepalived":
        wait_keepalived_state(r2, "BACKUP")
    else:
        wait_state(r2, "BACKUP")
    wait_until(lambda: holder_of_vmac(lab_, "r1"), 5)
    assert lab_["client"].ping(VIP4)
    if master == "vrrpd":
        assert neighbour(lab_, VIP4) == VMAC
    # keepalived 2.2.7 leaves arp_announce at 0: its reply's ARP request for the client goes
    # out of eth0 with the VIP as sender, and the client's entry moves to r1's eth0 MAC
    # (seen here); vrrpd sets arp_announce=2 on the base interface (vrrpd.runtime.vmac)
    time.sleep(1.0)  # adverts flow: the backup stays backup
    if backup == "keepalived":
        assert keepalived_states(r2)[-1] == "BACKUP" and not keepalived_rejections(r2)
    else:
        assert instance(r2)["state"] == "BACKUP"
    stop(r1)
    if backup == "keepalived":
        wait_keepalived_state(r2, "MASTER", timeout=5)
    else:
        wait_state(r2, "MASTER", timeout=5)
    wait_until(lambda: holder_of_vmac(lab_, "r2"), 5)
    assert lab_["client"].ping(VIP4)
    if backup == "vrrpd":  # its GARP from the VMAC also repairs what keepalived moved
        assert neighbour(lab_, VIP4) == VMAC


def test_base_interface_recreated_brings_the_vmac_back_then_master_dies(lab):
    lab_ = lab()
    r1 = lab_.start_vrrpd("r1", vmac_conf(150, "r1"))
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vmac_conf(100, "r2"))
    wait_state(r2, "BACKUP")
    lab_.delete_interface("r2")  # the kernel deletes vrrp.51 with its base
    wait_state(r2, "FAULT")
    assert macvlans(lab_, "r2") == []
    lab_.create_interface("r2")
    wait_state(r2, "BACKUP", timeout=15)
    assert macvlans(lab_, "r2") == ["vrrp.51"]  # before the fix: never re-created
    (vmac,) = lab_["r2"].ip_json("-d", "link", "show", "vrrp.51")
    assert vmac["address"] == VMAC and vmac["link"] == "eth0"  # on the new eth0
    for key, value in (("arp_ignore", "1"), ("arp_announce", "2")):  # on the new base
        got = lab_["r2"].run(["sysctl", "-n", f"net.ipv4.conf.eth0.{key}"]).stdout.strip()
        assert got == value, key
    time.sleep(0.5)
    assert instance(r2)["state"] == "BACKUP"  # hears r1 on the new VMAC
    lab_.kill(r1, signal.SIGKILL)
    wait_state(r2, "MASTER")
    wait_until(lambda: holder_of_vmac(lab_, "r2"), 5)
    lab_["r1"].ip("link", "del", "vrrp.51")  # the crashed master's VMAC would answer too
    assert lab_["client"].ping(VIP4)
    assert neighbour(lab_, VIP4) == VMAC


def test_vmac_deleted_by_hand_is_made_again(lab):
    """Re-created rather than left in FAULT: the base still works, and an instance that stays
    in FAULT until a restart is a node that silently stopped being a failover target."""
    lab_ = lab()
    r1 = lab_.start_vrrpd("r1", vmac_conf(150, "r1"))
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vmac_conf(100, "r2"))
    wait_state(r2, "BACKUP")
    lab_["r1"].ip("link", "del", "vrrp.51")  # the master's VMAC, with the VIP on it
    wait_until(lambda: "VMAC vrrp.51 deleted; making it again" in r1.log_text(), 5)
    wait_until(lambda: macvlans(lab_, "r1") == ["vrrp.51"], 10)
    wait_state(r1, "MASTER", timeout=15)  # back as BACKUP, then preempts by priority
    assert "FAULT" in vrrpd_states(r1)
    wait_state(r2, "BACKUP")
    wait_until(lambda: holder_of_vmac(lab_, "r1"), 5)
    assert lab_["client"].ping(VIP4)
    assert neighbour(lab_, VIP4) == VMAC


def test_a_port_flap_under_a_vmac_is_not_an_interface_loss(lab):
    lab_ = lab()
    r1 = lab_.start_vrrpd("r1", vmac_conf(150, "r1"))
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vmac_conf(100, "r2"))
    wait_state(r2, "BACKUP")
    lab_.port_down("r1")  # the macvlan follows its base down: a state change, not a rename
    wait_state(r1, "FAULT")
    wait_state(r2, "MASTER")
    lab_.port_up("r1")
    wait_state(r1, "MASTER", timeout=10)
    wait_state(r2, "BACKUP")
    text = r1.log_text()
    assert "interface gone" not in text  # before: "renamed to vrrp.51", a re-bind each time
    assert text.count("VMAC created") == 1
