"""Routes adapter against the kernel: runs in-process on a namespace via RouteTable(netns=...)."""

from __future__ import annotations

import asyncio
import json
from ipaddress import ip_address, ip_network

import pytest

from vrrpd.io.errors import InterfaceMissing, NetlinkFailure
from vrrpd.io.routes import (
    AddressAppeared,
    LinkUp,
    Nexthop,
    Route,
    RouteRemoved,
    RouteTable,
    Rule,
    RuleRemoved,
)

pytestmark = [pytest.mark.lab, pytest.mark.timeout(60)]

VIP4 = "192.0.2.100"
VIP6 = "2001:db8::100"


def run(coro, timeout: float = 15.0):
    async def bounded():
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def routes(side, *args: str) -> list[dict]:
    return json.loads(side.ip("-j", *args, "route", "show", "table", "all") or "[]")


def ours(side, *family: str) -> list[dict]:
    return [r for r in routes(side, *family) if r.get("protocol") == "keepalived"]


def test_ensure_installs_once_and_delete_removes_once(netpair):
    a = netpair.a
    a.ip("addr", "add", f"{VIP4}/24", "dev", a.ifname)
    default = Route(
        dst=ip_network("0.0.0.0/0"),
        metric=1,
        src=ip_address(VIP4),
        via=ip_address("192.0.2.2"),
        dev=a.ifname,
    )
    half = Route(dst=ip_network("192.0.2.128/25"), metric=1, src=ip_address(VIP4), dev=a.ifname)

    async def scenario():
        async with RouteTable(netns=a.ns) as rt:
            first = [await rt.ensure_route(default), await rt.ensure_route(half)]
            again = [await rt.ensure_route(default), await rt.ensure_route(half)]
            installed = ours(a)
            deleted = [await rt.delete_route(default), await rt.delete_route(default)]
            return first, again, installed, deleted

    first, again, installed, deleted = run(scenario())
    assert first == [True, True] and again == [False, False]
    by_dst = {r["dst"]: r for r in installed}
    assert by_dst["default"]["gateway"] == "192.0.2.2"
    assert by_dst["default"]["prefsrc"] == VIP4 and by_dst["default"]["metric"] == 1
    assert by_dst["192.0.2.128/25"]["scope"] == "link"  # no gateway: link scope, as ip does
    assert deleted == [True, False]
    assert [r["dst"] for r in ours(a)] == ["192.0.2.128/25"]


def test_ensure_replaces_a_route_that_differs(netpair):
    a = netpair.a
    a.ip("addr", "add", f"{VIP4}/24", "dev", a.ifname)
    a.ip("route", "add", "198.51.100.0/24", "via", "192.0.2.3", "metric", "5")
    wanted = Route(
        dst=ip_network("198.51.100.0/24"),
        metric=5,
        via=ip_address("192.0.2.2"),
        src=ip_address(VIP4),
    )

    async def scenario():
        async with RouteTable(netns=a.ns) as rt:
            return await rt.ensure_route(wanted), await rt.ensure_route(wanted)

    assert run(scenario()) == (True, False)
    (route,) = json.loads(a.ip("-j", "route", "show", "198.51.100.0/24"))
    assert (route["gateway"], route["prefsrc"]) == ("192.0.2.2", VIP4)


def test_multipath_route_in_a_large_table(netpair):
    a = netpair.a
    a.ip("addr", "add", "192.0.2.3/24", "dev", a.ifname)
    multipath = Route(
        dst=ip_network("0.0.0.0/0"),
        table=1000,
        nexthops=(
            Nexthop(ip_address("192.0.2.2"), a.ifname, 3),
            Nexthop(ip_address("192.0.2.3"), None, 1),
        ),
    )

    async def scenario():
        async with RouteTable(netns=a.ns) as rt:
            added = await rt.ensure_route(multipath), await rt.ensure_route(multipath)
            table = json.loads(a.ip("-j", "route", "show", "table", "1000"))
            deleted = await rt.delete_route(multipath)
            return added, table, deleted

    added, table, deleted = run(scenario())
    assert added == (True, False)
    hops = {(hop["gateway"], hop["weight"]) for hop in table[0]["nexthops"]}
    assert hops == {("192.0.2.2", 3), ("192.0.2.3", 1)}
    assert deleted and json.loads(a.ip("-j", "route", "show", "table", "1000") or "[]") == []


def test_one_nexthop_is_a_plain_route(netpair):
    a = netpair.a
    single = Route(
        dst=ip_network("198.51.100.0/24"), nexthops=(Nexthop(ip_address("192.0.2.2"), a.ifname, 5),)
    )

    async def scenario():
        async with RouteTable(netns=a.ns) as rt:
            return await rt.ensure_route(single), await rt.ensure_route(single)

    assert run(scenario()) == (True, False)


def test_ipv6_route_gets_its_src_back_after_the_address_returns(netpair):
    a = netpair.a
    a.ip("addr", "add", f"{VIP6}/64", "dev", a.ifname, "nodad")
    route = Route(
        dst=ip_network("::/0"),
        metric=1,
        src=ip_address(VIP6),
        via=ip_address("2001:db8::2"),
        dev=a.ifname,
    )

    async def scenario():
        async with RouteTable(netns=a.ns) as rt:
            assert await rt.ensure_route(route)
            a.ip("addr", "del", f"{VIP6}/64", "dev", a.ifname)
            # IPv6 keeps the route but drops its src (IPv4 would delete it)
            stripped = ours(a, "-6")
            a.ip("addr", "add", f"{VIP6}/64", "dev", a.ifname, "nodad")
            return stripped, await rt.ensure_route(route), ours(a, "-6")

    stripped, restored, after = run(scenario())
    assert [r.get("prefsrc") for r in stripped] == [None]
    assert restored is True
    assert [r.get("prefsrc") for r in after] == [VIP6]


def test_rules_are_added_once_and_deleted_once(netpair):
    a = netpair.a
    rules = [
        Rule(4, 100, src=ip_network(f"{VIP4}/32"), priority=100),
        Rule(4, 4000, dst=ip_network("198.51.100.0/24")),
        Rule(6, 100, src=ip_network(f"{VIP6}/128"), priority=100),
    ]

    async def scenario():
        async with RouteTable(netns=a.ns) as rt:
            added = [await rt.ensure_rule(r) for r in rules]
            again = [await rt.ensure_rule(r) for r in rules]
            listed = a.ip("rule") + a.ip("-6", "rule")
            deleted = [await rt.delete_rule(r) for r in rules]
            deleted_again = [await rt.delete_rule(r) for r in rules]
            return added, again, listed, deleted, deleted_again

    added, again, listed, deleted, deleted_again = run(scenario())
    assert added == [True] * 3 and again == [False] * 3
    assert f"100:\tfrom {VIP4} lookup 100" in listed
    assert "to 198.51.100.0/24 lookup 4000" in listed
    assert f"100:\tfrom {VIP6} lookup 100" in listed
    assert deleted == [True] * 3 and deleted_again == [False] * 3


def test_kernel_refusals_are_clear_errors(netpair):
    a = netpair.a

    async def attempt(route: Route):
        async with RouteTable(netns=a.ns) as rt:
            await rt.ensure_route(route)

    with pytest.raises(InterfaceMissing, match="nosuch0"):
        run(attempt(Route(dst=ip_network("198.51.100.0/24"), dev="nosuch0")))
    with pytest.raises(NetlinkFailure, match="is its src a local address") as caught:
        run(
            attempt(
                Route(
                    dst=ip_network("198.51.100.0/24"),
                    src=ip_address("192.0.2.99"),
                    via=ip_address("192.0.2.2"),
                )
            )
        )
    assert caught.value.code == 22
    with pytest.raises(NetlinkFailure, match="gateway unreachable"):
        run(attempt(Route(dst=ip_network("198.51.100.0/24"), via=ip_address("203.0.113.1"))))


def test_deleting_an_absent_route_on_a_missing_interface_is_false(netpair):
    async def scenario():
        async with RouteTable(netns=netpair.a.ns) as rt:
            return await rt.delete_route(Route(dst=ip_network("198.51.100.0/24"), dev="gone0"))

    assert run(scenario()) is False


def test_watch_reports_our_removed_routes_rules_new_addresses_and_links_up(netpair):
    a = netpair.a
    a.ip("addr", "add", f"{VIP4}/24", "dev", a.ifname)
    route = Route(
        dst=ip_network("198.51.100.0/24"),
        metric=7,
        via=ip_address("192.0.2.2"),
        src=ip_address(VIP4),
    )
    rule = Rule(4, 100, src=ip_network(f"{VIP4}/32"), priority=100)

    async def scenario():
        async with RouteTable(netns=a.ns) as rt:
            events: asyncio.Queue = asyncio.Queue()
            ready = asyncio.Event()

            async def consume():
                async for event in rt.watch(ready):
                    events.put_nowait(event)

            async def next_of(kind):
                while True:
                    event = await events.get()
                    if isinstance(event, kind):
                        return event

            watcher = asyncio.create_task(consume())
            await asyncio.wait_for(ready.wait(), 5)
            await rt.ensure_route(route)
            await rt.ensure_rule(rule)
            a.ip("route", "add", "203.0.113.0/24", "via", "192.0.2.2")  # not ours: no event
            a.ip("route", "del", "203.0.113.0/24")
            a.ip("route", "del", "198.51.100.0/24", "metric", "7")
            removed = await next_of(RouteRemoved)
            a.ip("rule", "del", "priority", "100")
            rule_removed = await next_of(RuleRemoved)
            a.ip("addr", "add", "192.0.2.50/24", "dev", a.ifname)
            appeared = await next_of(AddressAppeared)
            a.ip("link", "set", a.ifname, "down")
            a.ip("link", "set", a.ifname, "up")
            up = await next_of(LinkUp)
            watcher.cancel()
            with pytest.raises(asyncio.CancelledError):
                await watcher
            return removed, rule_removed, appeared, up

    removed, rule_removed, appeared, up = run(scenario())
    assert removed == RouteRemoved(4, 254, ip_network("198.51.100.0/24"), 7)
    assert removed.key == route.key
    assert rule_removed == RuleRemoved(4, 100, ip_network(f"{VIP4}/32"), None, 100)
    assert appeared == AddressAppeared(a.ifindex)
    assert up == LinkUp(a.ifindex)


def test_route_text_reads_like_ip_route():
    route = Route(
        dst=ip_network("0.0.0.0/0"),
        table=100,
        metric=1,
        src=ip_address(VIP4),
        nexthops=(Nexthop(ip_address("192.0.2.1"), "eth0", 2),),
    )
    assert str(route) == (
        "default nexthop via 192.0.2.1 dev eth0 weight 2 src 192.0.2.100 table 100 metric 1"
    )
    assert str(Rule(4, 100, src=ip_network("192.0.2.100/32"), priority=5)) == (
        "from 192.0.2.100/32 lookup 100 priority 5"
    )
    assert Route(dst=ip_network("::/0")).effective_metric == 1024
