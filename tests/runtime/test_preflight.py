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
from vrrpd.runtime.preflight import StartupError, prepare


class FakeNetlink:
    def __init__(self, addresses: list[str]) -> None:
        self._addresses = [ip_interface(a) for a in addresses]

    async def primary_address(self, ifindex: int, family: int):
        return self._addresses[0].ip if self._addresses else None

    async def addresses(self, ifindex: int, family: int):
        return list(self._addresses)

    async def owners(self, address) -> list[int]:
        return []

    async def remove_vip(self, ifindex: int, vip) -> bool:
        return False


def prepared(addresses: list[str], **keys):
    cfg = parse_config(instance_toml(**keys), "test.toml").instances[0]
    link = SimpleNamespace(index=2)
    return asyncio.run(prepare(FakeNetlink(addresses), cfg, link, log.get()))  # type: ignore[arg-type]


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
