"""Netlink adapter against the kernel: runs in-process on a namespace via Netlink(netns=...)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from ipaddress import IPv4Address, ip_address, ip_interface

import pytest

from vrrpd.io.errors import InterfaceMissing, NetlinkFailure
from vrrpd.io.netlink import (
    AddressAdded,
    AddressRemoved,
    LinkChanged,
    LinkInfo,
    LinkRemoved,
    Netlink,
)

pytestmark = [pytest.mark.lab, pytest.mark.timeout(60)]

V4 = socket.AF_INET
V6 = socket.AF_INET6
VIP4 = ip_interface("192.0.2.100/24")
VIP6 = ip_interface("2001:db8::100/64")
FOREVER = 4294967295


def run(coro, timeout: float = 15.0):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def address_info(side, address) -> dict | None:
    """`ip -j addr` entry for `address` on the side's interface, None when absent."""
    for link in json.loads(side.ip("-j", "addr", "show", "dev", side.ifname)):
        for info in link.get("addr_info", []):
            if ip_address(info["local"]) == address.ip:
                return info
    return None


def test_link_reports_index_name_mac_state_and_mtu(netpair):
    a = netpair.a

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            return await nl.link(a.ifname)

    assert run(scenario()) == LinkInfo(a.ifindex, a.ifname, a.mac, True, 1500)


def test_link_is_down_when_disabled_or_without_carrier(netpair):
    a, b = netpair.a, netpair.b

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            b.ip("link", "set", b.ifname, "down")  # a keeps IFF_UP but loses its carrier
            no_carrier = await nl.link(a.ifname)
            a.ip("link", "set", a.ifname, "down")
            disabled = await nl.link(a.ifname)
            return no_carrier, disabled

    no_carrier, disabled = run(scenario())
    assert no_carrier.up is False
    assert disabled.up is False


def test_missing_link_raises_interface_missing(netpair):
    async def scenario():
        async with Netlink(netns=netpair.a.ns) as nl:
            await nl.link("nosuch0")

    with pytest.raises(InterfaceMissing, match="nosuch0"):
        run(scenario())


@pytest.mark.parametrize("ifname", ["", "x" * 16, "a/b", " "])
def test_invalid_link_name_is_rejected(netpair, ifname):
    async def scenario():
        async with Netlink(netns=netpair.a.ns) as nl:
            await nl.link(ifname)

    with pytest.raises(ValueError, match="interface name"):
        run(scenario())


def test_primary_address_is_first_primary_ipv4_and_the_ipv6_link_local(netpair):
    a = netpair.a

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            await nl.add_vip(a.ifindex, VIP4)  # same subnet: becomes a secondary
            return (
                await nl.primary_address(a.ifindex, V4),
                await nl.primary_address(a.ifindex, V6),
            )

    assert run(scenario()) == (a.ipv4.ip, a.link_local)


def test_primary_address_skips_excluded_vips(netpair):
    a = netpair.a
    lone_vip = ip_interface("198.51.100.10/24")  # no other address here: it is primary

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            await nl.add_vip(a.ifindex, lone_vip)
            return (
                await nl.primary_address(a.ifindex, V4, exclude={a.ipv4.ip}),
                await nl.primary_address(a.ifindex, V4, exclude={a.ipv4.ip, lone_vip.ip}),
            )

    assert run(scenario()) == (lone_vip.ip, None)


def test_tentative_link_local_is_not_a_usable_source(netpair):
    a = netpair.a
    a.sysctl(f"net.ipv6.conf.{a.ifname}.accept_dad=1")
    a.ip("addr", "flush", "dev", a.ifname, "scope", "link")
    a.ip("addr", "add", "fe80::1234/64", "dev", a.ifname)  # DAD runs for about a second

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            return await nl.primary_address(a.ifindex, V6), await nl.addresses(a.ifindex, V6)

    primary, present = run(scenario())
    assert ip_interface("fe80::1234/64") in present
    assert primary is None


def test_primary_address_of_an_interface_without_addresses_is_none(netpair):
    a = netpair.a
    a.ip("addr", "flush", "dev", a.ifname)

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            return await nl.primary_address(a.ifindex, V4), await nl.addresses(a.ifindex, V4)

    assert run(scenario()) == (None, [])


def test_addresses_lists_every_address_of_the_family(netpair):
    a = netpair.a

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            return await nl.addresses(a.ifindex, V4), await nl.addresses(a.ifindex, V6)

    v4, v6 = run(scenario())
    assert v4 == [a.ipv4]
    assert sorted(v6) == sorted([a.ipv6, ip_interface(f"{a.link_local}/64")])


@pytest.mark.parametrize("family", [socket.AF_PACKET, 0])
def test_unknown_family_is_rejected(netpair, family):
    async def scenario():
        async with Netlink(netns=netpair.a.ns) as nl:
            await nl.addresses(netpair.a.ifindex, family)

    with pytest.raises(ValueError, match="family"):
        run(scenario())


def test_add_and_remove_ipv4_vip_report_whether_anything_changed(netpair):
    a = netpair.a

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            added = await nl.add_vip(a.ifindex, VIP4, label="va:vrrp")
            again = await nl.add_vip(a.ifindex, VIP4, label="va:vrrp")
            shown = a.ip("-o", "addr", "show", "dev", a.ifname)
            removed = await nl.remove_vip(a.ifindex, VIP4)
            removed_again = await nl.remove_vip(a.ifindex, VIP4)
            return added, again, shown, removed, removed_again

    added, again, shown, removed, removed_again = run(scenario())
    assert (added, again, removed, removed_again) == (True, False, True, False)
    line = next(line for line in shown.splitlines() if "192.0.2.100/24" in line)
    assert "secondary va:vrrp" in line
    assert address_info(a, VIP4) is None


def test_ipv6_vip_is_usable_at_once_even_where_dad_is_on(netpair):
    a = netpair.a
    a.sysctl(f"net.ipv6.conf.{a.ifname}.accept_dad=1")
    control = ip_interface("2001:db8::200/64")
    a.ip("addr", "add", str(control), "dev", a.ifname)  # what DAD does to a plain add

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            added = await nl.add_vip(a.ifindex, VIP6)
            again = await nl.add_vip(a.ifindex, VIP6)
            return added, again

    assert run(scenario()) == (True, False)
    assert address_info(a, control).get("tentative") is True
    info = address_info(a, VIP6)
    assert not info.get("tentative")
    assert info.get("nodad") is True
    assert info["preferred_life_time"] == FOREVER


def test_removing_a_vip_with_another_prefix_length_reports_absent(netpair):
    a = netpair.a

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            await nl.add_vip(a.ifindex, VIP4)
            return await nl.remove_vip(a.ifindex, ip_interface("192.0.2.100/32"))

    assert run(scenario()) is False
    assert address_info(a, VIP4) is not None


@pytest.mark.parametrize(
    ("vip", "label", "error", "match"),
    [
        (VIP6, "va:vrrp", ValueError, "IPv4 only"),
        (VIP4, "x" * 16, ValueError, "label"),
        (VIP4, "", ValueError, "label"),
        ("192.0.2.100/24", None, TypeError, "IPv4Interface"),
        (IPv4Address("192.0.2.100"), None, TypeError, "IPv4Interface"),
    ],
)
def test_add_vip_rejects_bad_input(netpair, vip, label, error, match):
    async def scenario():
        async with Netlink(netns=netpair.a.ns) as nl:
            await nl.add_vip(netpair.a.ifindex, vip, label=label)

    with pytest.raises(error, match=match):
        run(scenario())


@pytest.mark.parametrize("ifindex", [0, -1])
def test_vip_calls_reject_non_positive_index(netpair, ifindex):
    async def scenario():
        async with Netlink(netns=netpair.a.ns) as nl:
            await nl.remove_vip(ifindex, VIP4)

    with pytest.raises(ValueError, match="index"):
        run(scenario())


@pytest.mark.parametrize("call", ["add_vip", "remove_vip"])
def test_vip_on_missing_interface_raises_interface_missing(netpair, call):
    async def scenario():
        async with Netlink(netns=netpair.a.ns) as nl:
            await getattr(nl, call)(4242, VIP4)

    with pytest.raises(InterfaceMissing, match="4242"):
        run(scenario())


def test_owners_lists_every_interface_holding_the_address(netpair):
    a = netpair.a
    a.ip("link", "add", "x0", "type", "veth", "peer", "name", "x1")  # no dummy module here
    other_index = json.loads(a.ip("-j", "link", "show", "x0"))[0]["ifindex"]

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            nobody = await nl.owners(VIP4.ip)
            await nl.add_vip(a.ifindex, VIP4)
            one = await nl.owners(VIP4)
            await nl.add_vip(other_index, VIP4)
            two = await nl.owners(VIP4.ip)
            v6 = await nl.owners(a.link_local)
            return nobody, one, two, v6

    assert run(scenario()) == ([], [a.ifindex], sorted([a.ifindex, other_index]), [a.ifindex])


def test_snapshot_answers_as_the_single_queries_do(netpair):
    """Start-up asks the snapshot instead of dumping per instance: same answers."""
    a = netpair.a
    a.ip("link", "add", "x0", "type", "veth", "peer", "name", "x1")
    other_index = json.loads(a.ip("-j", "link", "show", "x0"))[0]["ifindex"]
    lone = ip_interface("198.51.100.7/32")

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            await nl.add_vip(a.ifindex, VIP4)
            await nl.add_vip(other_index, VIP4)
            await nl.add_vip(a.ifindex, lone)
            snap = await nl.snapshot()
            single = (await nl.link(a.ifname), await nl.primary_address(a.ifindex, V4),
                      await nl.primary_address(a.ifindex, V6), await nl.owners(VIP4.ip))
            mine = (snap.link(a.ifname), snap.primary_address(a.ifindex, V4),
                    snap.primary_address(a.ifindex, V6), snap.owners(VIP4.ip))
            holds = (snap.holds(a.ifindex, lone), snap.holds(a.ifindex, ip_interface(
                "198.51.100.7/24")), snap.holds(other_index, lone))
            return single, mine, holds, snap

    single, mine, holds, snap = run(scenario())
    assert mine == single
    assert holds == (True, False, False)
    with pytest.raises(InterfaceMissing, match="nope0"):
        snap.link("nope0")


def test_watch_reports_address_and_link_changes_made_outside(netpair):
    a = netpair.a
    vip_v6 = ip_interface("2001:db8::300/64")

    async def next_matching(events: asyncio.Queue, wanted) -> object:
        while True:
            event = await events.get()
            if event == wanted:
                return event

    async def scenario():
        async with Netlink(netns=a.ns) as nl:
            events: asyncio.Queue = asyncio.Queue()
            ready = asyncio.Event()

            async def consume():
                async for event in nl.watch(ready):
                    events.put_nowait(event)

            watcher = asyncio.create_task(consume())
            await asyncio.wait_for(ready.wait(), 5)
            a.ip("addr", "add", str(VIP4), "dev", a.ifname)
            await next_matching(events, AddressAdded(a.ifindex, VIP4))
            a.ip("addr", "del", str(VIP4), "dev", a.ifname)
            await next_matching(events, AddressRemoved(a.ifindex, VIP4))
            a.ip("addr", "add", str(vip_v6), "dev", a.ifname, "nodad")
            await next_matching(events, AddressAdded(a.ifindex, vip_v6))
            a.ip("link", "set", a.ifname, "down")
            await next_matching(events, LinkChanged(a.ifindex, a.ifname, False))
            a.ip("link", "set", a.ifname, "up")
            await next_matching(events, LinkChanged(a.ifindex, a.ifname, True))
            a.ip("link", "add", "x0", "type", "veth", "peer", "name", "x1")
            index = json.loads(a.ip("-j", "link", "show", "x0"))[0]["ifindex"]
            a.ip("link", "del", "x0")
            await next_matching(events, LinkRemoved(index, "x0"))
            watcher.cancel()
            with pytest.raises(asyncio.CancelledError):
                await watcher

    run(scenario())


def test_cancelling_watch_closes_its_socket(netpair):
    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    async def scenario():
        async with Netlink(netns=netpair.a.ns) as nl:
            await nl.link(netpair.a.ifname)  # the request socket exists before we count
            before = open_fds()
            ready = asyncio.Event()

            async def consume():
                async for _event in nl.watch(ready):
                    pass

            watcher = asyncio.create_task(consume())
            await asyncio.wait_for(ready.wait(), 5)
            during = open_fds()
            watcher.cancel()
            with pytest.raises(asyncio.CancelledError):
                await watcher
            return before, during, open_fds()

    before, during, after = run(scenario())
    assert during > before
    assert after == before


def test_missing_namespace_is_reported_and_not_created():
    missing = "vrrpio-does-not-exist"

    async def scenario():
        async with Netlink(netns=missing) as nl:
            await nl.link("lo")

    with pytest.raises(NetlinkFailure, match="not found"):
        run(scenario())
    assert not os.path.exists(f"/run/netns/{missing}")


def test_calls_outside_the_context_manager_are_refused():
    with pytest.raises(RuntimeError, match="async with"):
        run(Netlink().link("lo"))


def test_unprivileged_vip_change_raises_need_privilege(netpair, agent):
    a = netpair.a
    result = agent.run(
        a.ns,
        "add-vip",
        "--ifindex",
        str(a.ifindex),
        "--vip",
        str(VIP4),
        prefix=("setpriv", "--bounding-set=-all", "--inh-caps=-all"),
    )
    assert result == {
        "error": "NeedPrivilege",
        "message": f"adding {VIP4}: permission denied (need root or CAP_NET_ADMIN)",
    }
