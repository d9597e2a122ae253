"""prepare(): the advert source an instance starts with, and the start-up errors a user gets
for a source that is not on the interface. Fake netlink, no root needed."""

from __future__ import annotations

import asyncio
from ipaddress import ip_address, ip_interface
from types import SimpleNamespace

import pytest

from tests.config.conftest import instance_toml
from vrrpd import log
from vrrpd.config import parse_config
from vrrpd.io.netlink import HeldAddress
from vrrpd.runtime.preflight import ConfigConflict, StartupError, prepare


class FakeNetlink:
    def __init__(self, addresses: list[str], ours: tuple[str, ...] = ()) -> None:
        self._addresses = [ip_interface(a) for a in addresses]
        self._ours = {ip_interface(a) for a in ours}
        self.removed: list[tuple[int, object]] = []

    async def held(self, ifindex: int, family: int) -> list[HeldAddress]:
        return [HeldAddress(a, a in self._ours) for a in self._addresses]

    async def primary_address(self, ifindex: int, family: int):
        return self._addresses[0].ip if self._addresses else None

    async def addresses(self, ifindex: int, family: int):
        return list(self._addresses)

    async def owners(self, address) -> list[int]:
        return []

    async def remove_vip(self, ifindex: int, vip) -> bool:
        self.removed.append((ifindex, vip))
        return True


def prepared(addresses: list[str], netlink: FakeNetlink | None = None, **keys):
    cfg = parse_config(instance_toml(**keys), "test.toml").instances[0]
    link = SimpleNamespace(index=2)
    nl = netlink or FakeNetlink(addresses)
    return asyncio.run(prepare(nl, cfg, link, log.get()))  # type: ignore[arg-type]


def test_the_primary_address_by_default():
    assert prepared(["192.0.2.11/24", "192.0.2.12/24"]) == ip_address("192.0.2.11")


def test_mcast_src_ip_is_the_source_when_it_is_on_the_interface():
    source = prepared(["192.0.2.11/24", "192.0.2.12/24"], mcast_src_ip="192.0.2.12")
    assert source == ip_address("192.0.2.12")


def test_mcast_src_ip_not_on_the_interface_is_a_clear_start_error():
    with pytest.raises(StartupError) as error:
        prepared(["192.0.2.11/24"], mcast_src_ip="192.0.2.99")
    assert str(error.value) == (
        "instances.VI_1: mcast_src_ip 192.0.2.99 is not an address of eth0; add it there or "
        "remove mcast_src_ip"
    )


def test_the_primary_address_as_a_vip_is_refused_and_kept():
    nl = FakeNetlink(["192.0.2.11/24"])
    with pytest.raises(ConfigConflict) as error:
        prepared([], nl, virtual_ipaddress=["192.0.2.100/24", "192.0.2.11/24"])
    assert error.value.problem.path == "instances.VI_1.virtual_ipaddress[1]"
    assert str(error.value).startswith("instances.VI_1.virtual_ipaddress[1]: 192.0.2.11 is "
                                       "already an address of eth0 (192.0.2.11/24)")
    assert nl.removed == []  # before: "removed stale VIP" deleted the node's own address


def test_an_excluded_vip_equal_to_a_foreign_address_names_its_key():
    nl = FakeNetlink(["192.0.2.11/24", "192.0.2.50/24"])
    with pytest.raises(ConfigConflict) as error:
        prepared([], nl, virtual_ipaddress_excluded=["192.0.2.50/24"])
    assert error.value.problem.path == "instances.VI_1.virtual_ipaddress_excluded[0]"


def test_only_our_own_leftover_is_removed():
    nl = FakeNetlink(["192.0.2.11/24", "192.0.2.100/32"], ours=("192.0.2.100/32",))
    prepared([], nl, virtual_ipaddress=["192.0.2.100/24"])
    assert nl.removed == [(2, ip_interface("192.0.2.100/32"))]  # as it is on the interface
