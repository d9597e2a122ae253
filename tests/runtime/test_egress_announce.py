"""`announce`: each VIP as a host route in the announce table while master, withdrawn first
on leaving master, repaired like any virtual route (fake routes adapter)."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from tests.runtime.test_egress import PRIMARY, make, run
from vrrpd.config import parse_config
from vrrpd.io.route_types import Route, RouteRemoved
from vrrpd.runtime.egress import announce_routes

ROUTED = """
[instances.R]
interface = "eth0"
virtual_router_id = 51
unicast_src_ip = "198.51.100.2"
unicast_peer = ["198.51.100.6"]
announce = { table = 100 }
virtual_ipaddress = [{ address = "192.0.2.100/32", dev = "lo" }, "192.0.2.101/24"]
virtual_routes = [ { dst = "203.0.113.0/24", via = "198.51.100.1", src = "192.0.2.100" } ]
"""
HOST_LO = Route(dst=ip_network("192.0.2.100/32"), table=100, dev="lo")
HOST_LAN = Route(dst=ip_network("192.0.2.101/32"), table=100, dev="eth0")


def cfg(text: str = ROUTED):
    return parse_config(text, "test.toml").instances[0]


def test_each_vip_becomes_a_host_route_through_the_interface_it_sits_on():
    assert announce_routes(cfg()) == (HOST_LO, HOST_LAN)
    six = cfg(
        ROUTED.replace("192.0.2.100/32", "2001:db8::100/128")
        .replace("192.0.2.101/24", "2001:db8::101/64")
        .replace("198.51.100.2", "2001:db8:1::2")
        .replace("198.51.100.6", "2001:db8:1::6")
        .replace("virtual_routes", "#")
    )
    assert [r.dst for r in announce_routes(six)] == [
        ip_network("2001:db8::100/128"),
        ip_network("2001:db8::101/128"),
    ]


def test_without_announce_nothing_is_announced():
    plain = ROUTED.replace("announce = { table = 100 }", "").replace('dev = "lo"', 'dev = "eth0"')
    assert announce_routes(cfg(plain)) == ()


def test_announced_routes_come_last_on_install_and_go_first_on_removal():
    vips = (ip_address("192.0.2.100"), ip_address("192.0.2.101"), PRIMARY)
    egress, table, _counters, _log = make(cfg(), present=vips)
    assert egress.configured
    run(egress.install())
    installed = [item for _name, item in table.calls]
    assert installed[-2:] == [HOST_LO, HOST_LAN]
    assert installed[0].dst == ip_network("203.0.113.0/24")
    table.calls.clear()
    run(egress.remove())
    removed = [item for _name, item in table.calls]
    assert removed[:2] == [HOST_LO, HOST_LAN]
    assert table.installed == set()


def test_a_withdrawn_host_route_is_put_back_while_master_only():
    vips = (ip_address("192.0.2.100"), ip_address("192.0.2.101"), PRIMARY)
    egress, table, counters, _log = make(cfg(), present=vips)
    run(egress.install())
    table.installed.discard(HOST_LO)
    event = RouteRemoved(4, 100, ip_network("192.0.2.100/32"), 0)
    assert egress.concerns(event)
    assert run(egress.repair(master=False)) == 0
    assert run(egress.repair(master=True)) == 1
    assert HOST_LO in table.installed and counters.routes_readded == 1


def test_no_announcement_while_a_vip_is_missing():
    """A VIP not (yet) on lo: announcing it would draw traffic nobody answers."""
    egress, table, _counters, _log = make(cfg(), present=(ip_address("192.0.2.101"), PRIMARY))
    assert run(egress.repair(master=True)) == 0
    assert HOST_LO not in table.installed


def test_a_vip_on_another_lan_dev_is_announced_through_that_dev():
    """main's general `dev` (any interface) and announce together: the host route leads to
    the interface the VIP sits on; excluded addresses are not announced."""
    text = ROUTED.replace('dev = "lo"', 'dev = "eth1"').replace(
        "virtual_routes", 'virtual_ipaddress_excluded = ["2001:db8::9/64"]\n#'
    )
    assert announce_routes(cfg(text)) == (
        Route(dst=ip_network("192.0.2.100/32"), table=100, dev="eth1"),
        HOST_LAN,
    )
