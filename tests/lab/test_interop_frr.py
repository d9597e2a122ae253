"""vrrpd paired with FRR 8.4's vrrpd (Debian `frr`): elect, fail over, take back, both ways.

FRR's vrrpd runs on r1 or r2 with zebra (netns_lab.frr), on a macvlan per VRID that carries
the virtual MAC and the VIP (FRR switches it with protodown). The master fails by losing its
cable (switch port down) and comes back (port up), and takes over again (both preempt).
Interop is checked at the packet level too: vrrpd drops nothing FRR sends and counts its
checksum form; FRR's own status shows the state we expect.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from netns_lab import Lab, wait_until
from netns_lab.frr import Frr, frr_available, frr_vrrp_conf, vrrp_macvlans
from vrrpd_support import VIP4, VIP6, instance, vrrpd_conf, vrrpd_states, wait_state

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]

VRID = 51
MASTER_PRIO, BACKUP_PRIO = 150, 100


@dataclass(frozen=True)
class Variant:
    version: int
    family: int
    advert_int: float

    @property
    def vip(self) -> str:
        return VIP4 if self.family == 4 else VIP6

    @property
    def prefixed(self) -> str:
        return f"{VIP4}/24" if self.family == 4 else f"{VIP6}/64"

    @property
    def down_s(self) -> float:
        return 4 * self.advert_int + 5  # Master_Down_Interval, plus FRR's start-up


VARIANTS = [
    pytest.param(Variant(3, 4, 0.1), id="v3-ipv4"),
    pytest.param(Variant(3, 6, 0.1), id="v3-ipv6"),
    pytest.param(Variant(2, 4, 1.0), id="v2-ipv4"),
]


@pytest.fixture(autouse=True)
def need_frr():
    why = frr_available()
    if why is not None:
        pytest.fail(why, pytrace=False)


def start_frr(lab: Lab, host: str, variant: Variant, priority: int) -> Frr:
    target = lab[host]
    vrrp_macvlans(target, VRID, **{f"ipv{variant.family}": variant.prefixed})
    conf = frr_vrrp_conf(
        VRID,
        priority=priority,
        version=variant.version,
        advert_ms=round(variant.advert_int * 1000),
        **{f"ipv{variant.family}": variant.vip},
    )
    return Frr(target, host, {"vrrpd": conf}).start()


def frr_state(frr: Frr, family: int) -> str | None:
    """FRR's state for our VRID and family: Initialize, Backup or Master."""
    found = frr.vtysh_json(f"show vrrp {VRID} json")
    routers = found if isinstance(found, list) else [found]
    for router in routers:
        if router.get("vrid") == VRID:
            return (router.get(f"v{family}") or {}).get("status")
    return None


def wait_frr(frr: Frr, family: int, state: str, timeout: float) -> None:
    wait_until(
        lambda: frr_state(frr, family) == state, timeout, 0.05, message=f"FRR vrrpd in {state}"
    )


def ours(variant: Variant, priority: int) -> str:
    return vrrpd_conf(
        priority=priority,
        vips=(variant.prefixed,),
        version=variant.version,
        advert_int=variant.advert_int,
        router_id="ours",
    )


def assert_clean_wire(proc, variant: Variant) -> None:
    counters = instance(proc)["counters"]
    assert counters["dropped"] == {}, f"vrrpd refused FRR's adverts: {counters['dropped']}"
    assert counters["adverts_received"] > 0
    expected = "v2" if variant.version == 2 else "pseudo"
    assert set(counters["checksum_forms"]) == {expected}, counters["checksum_forms"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_frr_master_vrrpd_backup(lab, variant):
    lab_ = lab(ipv6=variant.family == 6)
    frr = start_frr(lab_, "r1", variant, MASTER_PRIO)
    wait_frr(frr, variant.family, "Master", variant.down_s)
    backup = lab_.start_vrrpd("r2", ours(variant, BACKUP_PRIO))
    wait_state(backup, "BACKUP")
    wait_until(lambda: instance(backup)["master_ip"] is not None, 5, 0.05)
    assert lab_.client.ping(variant.vip), "client reaches the VIP on FRR's master"

    lab_.port_down("r1")  # FRR's master loses its cable
    wait_state(backup, "MASTER", variant.down_s)
    assert lab_.client.ping(variant.vip, count=10), "client reaches the VIP on vrrpd"

    lab_.port_up("r1")  # FRR comes back and preempts
    wait_frr(frr, variant.family, "Master", variant.down_s + 5)
    wait_state(backup, "BACKUP", 10)
    assert_clean_wire(backup, variant)
    assert vrrpd_states(backup) == ["BACKUP", "MASTER", "BACKUP"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_vrrpd_master_frr_backup(lab, variant):
    lab_ = lab(ipv6=variant.family == 6)
    master = lab_.start_vrrpd("r1", ours(variant, MASTER_PRIO))
    wait_state(master, "MASTER")
    frr = start_frr(lab_, "r2", variant, BACKUP_PRIO)
    wait_frr(frr, variant.family, "Backup", variant.down_s)
    assert lab_.client.ping(variant.vip), "client reaches the VIP on vrrpd"

    lab_.port_down("r1")  # our master loses its cable
    wait_frr(frr, variant.family, "Master", variant.down_s)
    assert lab_.client.ping(variant.vip, count=10), "client reaches the VIP on FRR"

    lab_.port_up("r1")  # we come back and preempt
    wait_state(master, "MASTER", variant.down_s + 5)
    wait_frr(frr, variant.family, "Backup", 10)
    assert_clean_wire(master, variant)
    assert lab_.client.ping(variant.vip, count=10), "client back on vrrpd"
