"""Egress: what an instance installs, removes and repairs, in which order, against a fake
routes adapter (the kernel side is tests/io/test_routes.py, the whole in tests/lab)."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from tests.runtime.fakes import FakeRoutes, RecordingLog, run
from vrrpd.config import parse_config
from vrrpd.io.errors import InterfaceMissing, NetlinkFailure
from vrrpd.io.route_types import AddressAppeared, LinkUp, Route, RouteRemoved, RuleRemoved
from vrrpd.runtime.counters import Counters
from vrrpd.runtime.egress import Egress, fallback_routes, io_route

VIP = ip_address("192.0.2.100")
PRIMARY = ip_address("192.0.2.11")

CONFIG = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]
fallback_routes = true
virtual_routes = [
  { dst = "default", via = "192.0.2.1", dev = "eth0", src = "192.0.2.100", metric = 1 },
  { dst = "default", table = 100, via = "203.0.113.1", dev = "eth1" },
]
virtual_rules = [ { from = "192.0.2.100", table = 100, priority = 100 } ]
"""


def instance(text: str = CONFIG):
    return parse_config(text, "test.toml").instances[0]


def make(cfg=None, present=(VIP, PRIMARY)):
    table, counters, log = FakeRoutes(), Counters(), RecordingLog()

    async def addresses():
        return list(present)

    egress = Egress(
        cfg or instance(),
        primary_ip=PRIMARY,
        table=table,
        addresses=addresses,
        counters=counters,
        log=log,
    )
    return egress, table, counters, log


def test_config_routes_become_adapter_routes():
    cfg = instance()
    first, second = (io_route(r) for r in cfg.virtual_routes)
    assert first == Route(
        dst=ip_network("0.0.0.0/0"),
        table=254,
        metric=1,
        src=VIP,
        via=ip_address("192.0.2.1"),
        dev="eth0",
    )
    assert second.table == 100 and second.src is None


def test_fallbacks_copy_the_src_routes_with_the_primary_source_and_fallback_metric():
    (fallback,) = fallback_routes(instance(), PRIMARY)
    assert fallback == Route(
        dst=ip_network("0.0.0.0/0"),
        table=254,
        metric=100,
        src=PRIMARY,
        via=ip_address("192.0.2.1"),
        dev="eth0",
    )
    ipv6 = instance(
        CONFIG.replace("192.0.2.100/24", "2001:db8::100/64")
        .replace('src = "192.0.2.100"', 'src = "2001:db8::100"')
        .replace('192.0.2.1"', '2001:db8::1"')
        .replace("203.0.113.1", "2001:db8:1::1")
        .replace('from = "192.0.2.100"', 'from = "2001:db8::100"')
    )
    (fallback6,) = fallback_routes(ipv6, ip_address("fe80::1"))
    assert fallback6.src is None and fallback6.metric == 100  # the kernel picks the source


def test_no_fallbacks_unless_asked():
    cfg = instance(CONFIG.replace("fallback_routes = true", ""))
    assert fallback_routes(cfg, PRIMARY) == ()


def test_install_adds_routes_before_rules_and_remove_takes_rules_first():
    egress, table, counters, _ = make()
    run(egress.install())
    assert [name for name, _ in table.calls] == ["ensure_route", "ensure_route", "ensure_rule"]
    table.calls.clear()
    assert run(egress.remove()) == 3
    assert [name for name, _ in table.calls] == ["delete_rule", "delete_route", "delete_route"]
    assert table.installed == set() and counters.routes_readded == 0


def test_start_clears_leftovers_and_installs_fallbacks_stop_removes_everything():
    egress, table, _, log = make()
    stale = egress.routes[1]
    table.installed.add(stale)
    run(egress.start())
    assert table.installed == set(egress.fallbacks)
    assert ("warning", "removed virtual routes/rules left by an earlier run", {"count": 1}) in (
        log.records
    )
    run(egress.install())
    run(egress.stop())
    assert table.installed == set()


def test_repair_while_master_restores_what_is_missing_and_counts_it():
    egress, table, counters, log = make()
    run(egress.start())
    run(egress.install())
    table.installed.discard(egress.routes[0])
    table.installed.discard(egress.rules[0])
    assert run(egress.repair(master=True)) == 2
    assert counters.routes_readded == 2
    warnings = [fields for level, event, fields in log.records if level == "warning"]
    assert {"route": str(egress.routes[0])} in warnings
    assert {"rule": str(egress.rules[0])} in warnings
    assert run(egress.repair(master=True)) == 0  # nothing missing: nothing logged or counted
    assert counters.routes_readded == 2


def test_repair_when_not_master_only_restores_fallbacks():
    egress, table, counters, _ = make()
    run(egress.start())
    table.installed.clear()
    assert run(egress.repair(master=False)) == 1
    assert table.installed == set(egress.fallbacks)


def test_repair_restores_nothing_of_the_master_part_ahead_of_the_vips():
    egress, table, counters, _ = make(present=(PRIMARY,))  # the VIP is being re-added
    run(egress.repair(master=True))
    assert table.installed == set(egress.fallbacks)
    assert [name for name, _ in table.calls] == ["ensure_route"]


def test_repair_skips_a_fallback_whose_primary_address_is_gone():
    egress, table, counters, _ = make(present=(VIP,))
    run(egress.repair(master=True))
    assert table.installed == {*egress.routes, *egress.rules}


def test_errors_are_counted_and_logged_once_until_they_change():
    egress, table, counters, log = make()
    table.fail[egress.routes[1]] = InterfaceMissing("eth1", "needed by a virtual route")
    run(egress.install())
    run(egress.repair(master=True))
    assert counters.route_errors == 2
    errors = [(event, fields) for level, event, fields in log.records if level == "error"]
    assert len(errors) == 1 and errors[0][0] == "route not installed"
    table.fail[egress.routes[1]] = NetlinkFailure("x", 22, "invalid")
    run(egress.repair(master=True))
    assert len([r for r in log.records if r[0] == "error"]) == 2
    del table.fail[egress.routes[1]]
    run(egress.repair(master=True))
    assert (
        "info",
        "route installed after earlier failure",
        {"route": str(egress.routes[1])},
    ) in log.records


@pytest.mark.parametrize(
    ("event", "concerned"),
    [
        (RouteRemoved(4, 254, ip_network("0.0.0.0/0"), 1), True),  # virtual route
        (RouteRemoved(4, 254, ip_network("0.0.0.0/0"), 100), True),  # its fallback
        (RouteRemoved(4, 100, ip_network("0.0.0.0/0"), 0), True),
        (RouteRemoved(4, 254, ip_network("0.0.0.0/0"), 5), False),
        (RouteRemoved(6, 254, ip_network("::/0"), 1), False),
        (RuleRemoved(4, 100, ip_network("192.0.2.100/32"), None, 100), True),
        (RuleRemoved(4, 100, ip_network("192.0.2.100/32"), None, 200), False),
        (RuleRemoved(4, 101, ip_network("192.0.2.100/32"), None, 100), False),
        (AddressAppeared(7), True),
        (LinkUp(7), True),
    ],
)
def test_which_events_call_for_a_repair(event, concerned):
    egress, *_ = make()
    assert egress.concerns(event) is concerned


def test_an_instance_without_routes_is_not_concerned():
    bare = instance(CONFIG.split("fallback_routes")[0])
    egress, *_ = make(bare)
    assert not egress.configured
    assert not egress.concerns(AddressAppeared(1))
