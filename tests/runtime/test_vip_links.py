"""Addresses on other interfaces (`dev`) and excluded addresses: where the runner puts them,
that adverts never list the excluded ones, which interface each GARP/NA goes out on, and the
start-up error for a `dev` that does not exist. Fakes only, no root needed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from ipaddress import ip_address, ip_interface

import pytest

from tests.config.conftest import instance_toml
from vrrpd.config import parse_config
from vrrpd.io.errors import InterfaceMissing
from vrrpd.io.netlink import LinkInfo
from vrrpd.protocol.packet import decode
from vrrpd.runtime.instance import InstanceRunner, router_params
from vrrpd.runtime.preflight import StartupError
from vrrpd.runtime.vip_links import Announcers, VipLinks, announcer, resolve

pytestmark = pytest.mark.timeout(30)


@dataclass(frozen=True)
class Link:
    index: int
    name: str
    mac: str = "02:00:00:00:00:01"
    up: bool = True
    mtu: int = 1500


ETH0, ETH1 = Link(2, "eth0", "02:00:00:00:00:02"), Link(3, "eth1", "02:00:00:00:00:03")


def cfg_with(**keys):
    keys.setdefault("priority", 255)
    keys.setdefault("virtual_ipaddress",
                    ["192.0.2.100/24", {"address": "198.51.100.7/24", "dev": "eth1"}])
    keys.setdefault("virtual_ipaddress_excluded",
                    ["192.0.2.150/24", {"address": "2001:db8::150/64", "dev": "eth1"}])
    return parse_config(instance_toml(**keys), "t.toml").instances[0]


class World:
    """Netlink, advert socket and GARP in one fake that records what happened."""

    def __init__(self) -> None:
        self.added: list[tuple[int, str]] = []
        self.removed: list[tuple[int, str]] = []
        self.adverts: list[bytes] = []
        self.garp: list[str] = []

    async def add_vip(self, index, vip, label=None):
        self.added.append((index, str(vip)))
        return True

    async def remove_vip(self, index, vip):
        self.removed.append((index, str(vip)))
        return True

    async def addresses(self, index, family):
        return []

    def send(self, payload, dst, src, *, ttl=255):
        self.adverts.append(payload)

    def start(self):
        self.garp.append("start")

    def burst(self):
        self.garp.append("burst")

    def stop(self):
        pass


def test_the_router_advertises_only_the_vips():
    params = router_params(cfg_with(), ip_address("192.0.2.11"))
    assert params.addresses == (ip_address("192.0.2.100"), ip_address("198.51.100.7"))


def test_master_adds_every_address_on_its_interface_and_advertises_only_the_vips():
    world = World()

    async def scenario():
        links = VipLinks(ETH0, {"eth1": ETH1})
        runner = InstanceRunner(cfg_with(), link=ETH0, primary_ip=ip_address("192.0.2.11"),
                                sock=world, netlink=world, garp_factory=lambda c: world,
                                vip_links=links)
        runner.start()  # owner: MASTER at once
        for _ in range(50):
            if world.adverts:
                break
            await asyncio.sleep(0.02)
        runner.vip_removed(ip_interface("2001:db8::150/64"), 3)  # on eth1: ours, re-added
        runner.vip_removed(ip_interface("2001:db8::150/64"), 2)  # not there: not ours
        runner.vip_removed(ip_interface("192.0.2.150/24"))  # the instance's own interface
        await asyncio.sleep(0.1)
        added = list(world.added)
        await runner.stop()
        await runner.close()
        return added

    added = asyncio.run(scenario())
    assert added == [
        (2, "192.0.2.100/24"),
        (3, "198.51.100.7/24"),
        (2, "192.0.2.150/24"),
        (3, "2001:db8::150/64"),
        (3, "2001:db8::150/64"),  # re-added on eth1
        (2, "192.0.2.150/24"),  # re-added on eth0
    ]
    assert sorted(world.removed) == sorted(added[:4])  # a clean stop lets go of every one
    advert = decode(world.adverts[0], ip_address("192.0.2.11"), ip_address("224.0.0.18"))
    assert advert.addresses == (ip_address("192.0.2.100"), ip_address("198.51.100.7"))


class Sink:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def send(self, frames: list[bytes]) -> int:
        self.frames += frames
        return len(frames)


def test_one_announcement_schedule_per_interface_from_its_mac():
    sinks = {2: Sink(), 3: Sink()}

    async def scenario():
        garp = announcer(cfg_with(), VipLinks(ETH0, {"eth1": ETH1}), sinks, lambda n: None)
        assert isinstance(garp, Announcers) and len(garp.schedules) == 2
        garp.start()
        garp.stop()

    asyncio.run(scenario())
    eth0, eth1 = sinks[2].frames, sinks[3].frames
    assert len(eth0) == len(eth1) == 2  # first round: one frame per address on each
    assert {frame[6:12] for frame in eth0} == {bytes.fromhex("020000000002")}
    assert {frame[6:12] for frame in eth1} == {bytes.fromhex("020000000003")}
    assert ip_address("192.0.2.150").packed in eth0[1]  # excluded VIPs are announced too
    assert eth1[1][12:14] == b"\x86\xdd"  # the excluded IPv6 address: an unsolicited NA


def test_a_single_interface_gets_a_plain_schedule():
    cfg = cfg_with(virtual_ipaddress=["192.0.2.100/24"], virtual_ipaddress_excluded=[])
    garp = announcer(cfg, VipLinks(ETH0), {2: Sink()}, lambda n: None)
    assert not isinstance(garp, Announcers)


class Netlink:
    async def link(self, name: str):
        if name == "eth1":
            return ETH1
        raise InterfaceMissing(name, "reading link")


def test_resolve_finds_every_dev():
    links = asyncio.run(resolve(Netlink(), cfg_with(), ETH0))
    assert links.others == {"eth1": ETH1}
    assert links.covers(cfg_with()) and not links.covers(cfg_with(
        virtual_ipaddress=[{"address": "192.0.2.100/24", "dev": "eth7"}]))


def test_a_missing_dev_is_a_one_line_start_error():
    cfg = cfg_with(virtual_ipaddress_excluded=[{"address": "192.0.2.9/24", "dev": "eth7"}])
    with pytest.raises(StartupError) as error:
        asyncio.run(resolve(Netlink(), cfg, ETH0))
    assert str(error.value) == (
        "instances.VI_1: dev of a virtual address: interface 'eth7' not found (reading link)"
    )


def test_no_announcements_on_an_interface_without_a_mac():
    lo = Link(1, "lo", "00:00:00:00:00:00")
    cfg = cfg_with(virtual_ipaddress=["192.0.2.100/24", {"address": "203.0.113.7/32",
                                                         "dev": "lo"}],
                   virtual_ipaddress_excluded=[])
    sinks = {2: Sink()}

    async def scenario():
        garp = announcer(cfg, VipLinks(ETH0, {"lo": lo}), sinks, lambda n: None)
        garp.start()
        garp.stop()

    asyncio.run(scenario())
    assert len(sinks[2].frames) == 1 and 1 not in sinks  # eth0's VIP only; lo gets no socket


def test_indexes_lists_the_own_link_first_then_each_other_once():
    own = LinkInfo(index=2, name="eth0", mac="02:00:00:00:00:02", up=True, mtu=1500)
    lo = LinkInfo(index=1, name="lo", mac="00:00:00:00:00:00", up=True, mtu=1500)
    eth1 = LinkInfo(index=3, name="eth1", mac="02:00:00:00:00:03", up=True, mtu=1500)
    assert VipLinks(own).indexes == (2,)
    assert VipLinks(own, {"lo": lo, "eth1": eth1}).indexes == (2, 1, 3)
