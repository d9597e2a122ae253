"""virtual_routes, virtual_rules and fallback_routes: parsing, families, tables, every error."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from vrrpd.config import rt_tables
from vrrpd.config.model import Nexthop, VirtualRoute, VirtualRule

ROUTES = "instances.VI_1.virtual_routes"
RULES = "instances.VI_1.virtual_rules"
VIP = "192.0.2.100"


@pytest.fixture(autouse=True)
def system_tables(tmp_path, monkeypatch):
    """A private rt_tables (file + rt_tables.d) instead of the machine's."""
    main = tmp_path / "rt_tables"
    main.write_text("# reserved\n255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n100 isp2\n")
    confd = tmp_path / "rt_tables.d"
    confd.mkdir()
    (confd / "extra.conf").write_text("0x200 hex_table # comment\nbad line here\n")
    (confd / "ignored.txt").write_text("300 not_read\n")
    monkeypatch.setattr(rt_tables, "TABLE_FILES", (str(main), str(tmp_path / "absent")))
    monkeypatch.setattr(rt_tables, "TABLE_DIRS", (str(confd), str(tmp_path / "absent.d")))


def route(**keys):
    return {"dst": "default", "via": "192.0.2.1", **keys}


def test_egress_via_vip_pattern(instance_of):
    instance = instance_of(
        fallback_routes=True,
        virtual_routes=[
            route(dev="eth0", src=VIP, metric=1),
            {"dst": "192.0.2.0/25", "dev": "eth0", "src": VIP, "metric": 1},
        ],
    )
    assert instance.virtual_routes == (
        VirtualRoute(
            dst=ip_network("0.0.0.0/0"),
            via=ip_address("192.0.2.1"),
            dev="eth0",
            src=ip_address(VIP),
            metric=1,
            table=None,
            scope=None,
            nexthops=(),
        ),
        VirtualRoute(
            dst=ip_network("192.0.2.0/25"),
            via=None,
            dev="eth0",
            src=ip_address(VIP),
            metric=1,
            table=None,
            scope=None,
            nexthops=(),
        ),
    )
    assert instance.fallback_routes is True and instance.fallback_metric == 100


def test_defaults_are_no_routes_no_rules_no_fallback(instance_of):
    instance = instance_of()
    assert (instance.virtual_routes, instance.virtual_rules) == ((), ())
    assert instance.fallback_routes is False


def test_multipath_route_in_a_named_table(instance_of):
    instance = instance_of(
        virtual_routes=[
            {
                "dst": "default",
                "table": "isp2",
                "nexthops": [
                    {"via": "203.0.113.1", "dev": "eth1", "weight": 3},
                    {"via": "203.0.113.3"},
                ],
            }
        ]
    )
    (only,) = instance.virtual_routes
    assert only.table == 100 and only.family == 4
    assert only.nexthops == (
        Nexthop(via=ip_address("203.0.113.1"), dev="eth1", weight=3),
        Nexthop(via=ip_address("203.0.113.3"), dev=None, weight=1),
    )


def test_ipv6_default_route_and_scope(instance_of):
    instance = instance_of(
        virtual_ipaddress=["2001:db8::100/64"],
        virtual_routes=[
            {"dst": "default", "via": "fe80::1", "dev": "eth0", "src": "2001:db8::100"},
            {"dst": "2001:db8:1::/48", "dev": "eth0", "scope": "link", "table": 0x200},
        ],
    )
    first, second = instance.virtual_routes
    assert first.dst == ip_network("::/0") and first.family == 6
    assert second.scope == 253 and second.table == 0x200


def test_default_route_without_addresses_takes_the_instance_family(instance_of):
    (only,) = instance_of(
        virtual_ipaddress=["2001:db8::100/64"], virtual_routes=[{"dst": "default", "dev": "eth1"}]
    ).virtual_routes
    assert only.dst == ip_network("::/0")


def test_table_names_come_from_rt_tables_d_and_builtins(instance_of):
    instance = instance_of(
        virtual_routes=[route(table="hex_table"), route(table="main", metric=5)],
        virtual_rules=[{"from": VIP, "table": "local"}],
    )
    assert [r.table for r in instance.virtual_routes] == [0x200, 254]
    assert instance.virtual_rules[0].table == 255


def test_rules(instance_of):
    instance = instance_of(
        virtual_rules=[
            {"from": f"{VIP}/32", "table": 100, "priority": 100},
            {"to": "198.51.100.0/24", "table": "isp2"},
            {"from": "2001:db8::100", "to": "2001:db8:1::/48", "table": 7},
        ]
    )
    assert instance.virtual_rules == (
        VirtualRule(family=4, src=ip_network(f"{VIP}/32"), dst=None, table=100, priority=100),
        VirtualRule(
            family=4, src=None, dst=ip_network("198.51.100.0/24"), table=100, priority=None
        ),
        VirtualRule(
            family=6,
            src=ip_network("2001:db8::100/128"),
            dst=ip_network("2001:db8:1::/48"),
            table=7,
            priority=None,
        ),
    )


def test_interfaces_need_not_exist_at_check_time(instance_of):
    assert instance_of(virtual_routes=[route(dev="nosuchdev9")]).virtual_routes[0].dev == (
        "nosuchdev9"
    )


@pytest.mark.parametrize(
    ("entry", "where", "message"),
    [
        (
            route(dst="192.0.2.1/24"),
            "dst",
            "'192.0.2.1/24' has host bits set; did you mean '192.0.2.0/24'?",
        ),
        (
            route(dst="nowhere"),
            "dst",
            "'nowhere' is not a network like '192.0.2.0/24' or '2001:db8::/64'",
        ),
        (route(via="192.0.2.x"), "via", "'192.0.2.x' is not an IP address"),
        (
            route(via="224.0.0.1"),
            "via",
            "224.0.0.1 cannot be a gateway (multicast, unspecified or loopback)",
        ),
        (
            route(via="0.0.0.0"),
            "via",
            "0.0.0.0 cannot be a gateway (multicast, unspecified or loopback)",
        ),
        (
            route(via="fe80::1", dst="::/0"),
            "via",
            "fe80::1 is link-local: name the interface with dev",
        ),
        (
            route(dev="eth0/1"),
            "dev",
            "'eth0/1' is not a Linux interface name (no '/', ':', spaces)",
        ),
        (route(dev="a" * 16), "dev", f"{'a' * 16!r} is longer than 15 bytes"),
        (
            route(src="192.0.2.7"),
            "src",
            "192.0.2.7 is not a virtual address of this instance "
            "(virtual_ipaddress: 192.0.2.100); the route can only use an address that moves with "
            "the VIPs",
        ),
        (route(src="vip"), "src", "'vip' is not an IP address"),
        (route(metric=-1), "metric", "must be 0..4294967295, got -1"),
        (route(metric=2**32), "metric", "must be 0..4294967295, got 4294967296"),
        (route(table=0), "table", "must be a table number 1..4294967294 or a name, got 0"),
        (
            route(table=2**32 - 1),
            "table",
            "must be a table number 1..4294967294 or a name, got 4294967295",
        ),
        (route(table="unspec"), "table", "must be a table number 1..4294967294 or a name, got 0"),
        (
            route(scope="galaxy"),
            "scope",
            "must be one of 'global', 'universe', 'site', 'link', 'host', got 'galaxy'",
        ),
        (
            route(dst="198.51.100.0/24", via="2001:db8::1"),
            "via",
            "is IPv6 but dst is IPv4: one address family per entry",
        ),
        (
            {"dst": "default", "src": VIP, "via": "2001:db8::1"},
            "src",
            "is IPv4 but via is IPv6: one address family per entry",
        ),
        ({"dst": "default"}, "", "needs via, dev or nexthops (where should the traffic go?)"),
        (
            route(nexthops=[{"via": "192.0.2.2"}]),
            "nexthops",
            "cannot be combined with via or dev: give each path its own via and dev",
        ),
        ({"dst": "default", "nexthops": [{"weight": 2}]}, "nexthops[0]", "needs via, dev or both"),
        (
            {"dst": "default", "nexthops": [{"via": "192.0.2.2", "weight": 0}]},
            "nexthops[0].weight",
            "must be 1..256, got 0",
        ),
        (
            {"dst": "default", "nexthops": [{"via": "192.0.2.2", "weight": 257}]},
            "nexthops[0].weight",
            "must be 1..256, got 257",
        ),
        (
            {"dst": "default", "nexthops": [{"via": "192.0.2.2"}, {"via": "2001:db8::2"}]},
            "nexthops[1].via",
            "is IPv6 but nexthops[0].via is IPv4: one address family per entry",
        ),
        (
            {"dst": "::/0", "nexthops": [{"via": "fe80::2"}]},
            "nexthops[0].via",
            "fe80::2 is link-local: name the interface with dev",
        ),
        (
            {"dst": "default", "nexthops": [{"dev": "bad dev"}]},
            "nexthops[0].dev",
            "'bad dev' is not a Linux interface name (no '/', ':', spaces)",
        ),
    ],
)
def test_bad_routes(only_problem, make_instance, entry, where, message):
    path = f"{ROUTES}[0].{where}" if where else f"{ROUTES}[0]"
    assert only_problem(make_instance(virtual_routes=[entry])) == (path, message)


def test_unknown_table_name_lists_where_it_looked(only_problem, make_instance):
    path, message = only_problem(make_instance(virtual_routes=[route(table="isp9")]))
    assert path == f"{ROUTES}[0].table"
    assert message.startswith(
        "unknown routing table 'isp9': use a number 1..4294967294 or a name from "
    )
    assert "rt_tables.d/*.conf" in message


@pytest.mark.parametrize(
    ("entry", "where", "message"),
    [
        (
            {"table": 100},
            "",
            "needs from or to: a rule matching everything would send all "
            "traffic (even to this host's own addresses) to its table",
        ),
        (
            {"from": "192.0.2.100/24", "table": 100},
            "from",
            "'192.0.2.100/24' has host bits set; did you mean '192.0.2.0/24'?",
        ),
        (
            {"to": "elsewhere", "table": 100},
            "to",
            "'elsewhere' is not a network like '192.0.2.0/24' or '2001:db8::/64'",
        ),
        (
            {"from": VIP, "to": "2001:db8::/32", "table": 100},
            "to",
            "is IPv6 but from is IPv4: one address family per entry",
        ),
        (
            {"from": VIP, "table": 0},
            "table",
            "must be a table number 1..4294967294 or a name, got 0",
        ),
        (
            {"from": VIP, "table": 100, "priority": 0},
            "priority",
            "must be 1..4294967295 (0 is the rule that looks up the local table), got 0",
        ),
        (
            {"from": VIP, "table": 100, "priority": 2**32},
            "priority",
            "must be 1..4294967295 (0 is the rule that looks up the local table), got 4294967296",
        ),
    ],
)
def test_bad_rules(only_problem, make_instance, entry, where, message):
    path = f"{RULES}[0].{where}" if where else f"{RULES}[0]"
    assert only_problem(make_instance(virtual_rules=[entry])) == (path, message)


def test_rule_needs_a_table(only_problem, make_instance):
    assert only_problem(make_instance(virtual_rules=[{"from": VIP}])) == (
        f"{RULES}[0].table",
        "required key is missing",
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("metric", "1", "expected an integer, got the string '1'"),
        ("table", 1.5, "expected an integer or a string, got the number 1.5"),
        ("nexthops", {"via": "192.0.2.1"}, "expected a list, got a table"),
        ("gateway", "192.0.2.1", "unknown key 'gateway'"),
    ],
)
def test_wrong_types_and_unknown_keys(problems_in, make_instance, key, value, message):
    found = problems_in(make_instance(virtual_routes=[route(**{key: value})]))
    where = f"{ROUTES}[0]" if key == "gateway" else f"{ROUTES}[0].{key}"
    assert (where, message) in found


def test_duplicate_route_and_rule_are_reported_at_the_second(problems_in, make_instance):
    found = problems_in(
        make_instance(
            virtual_routes=[route(), route(via="192.0.2.2"), route(metric=1)],
            virtual_rules=[{"from": VIP, "table": 100}, {"from": VIP, "table": 100}],
        )
    )
    assert found == [
        (
            f"{ROUTES}[1].dst",
            "same destination, table and metric as [0]: the kernel keeps only one of them "
            "(give one a different metric)",
        ),
        (f"{RULES}[1]", "is the same rule as [0]"),
    ]


def test_every_bad_entry_is_reported_in_one_run(problems_in, make_instance):
    found = problems_in(make_instance(virtual_routes=[route(metric=-1), route(dst="x", dev="a/b")]))
    assert [path for path, _ in found] == [
        f"{ROUTES}[0].metric",
        f"{ROUTES}[1].dst",
        f"{ROUTES}[1].dev",
    ]


def test_src_is_not_checked_against_vips_that_failed(problems_in, make_instance):
    found = problems_in(
        make_instance(
            virtual_ipaddress=[f"{VIP}/24", "192.0.2.300"],
            virtual_routes=[route(src="192.0.2.300")],
        )
    )
    assert [path for path, _ in found] == [
        "instances.VI_1.virtual_ipaddress[1]",
        f"{ROUTES}[0].src",  # not an address at all: still reported
    ]
    found = problems_in(
        make_instance(
            virtual_ipaddress=[f"{VIP}/24", "224.0.0.1"], virtual_routes=[route(src="224.0.0.1")]
        )
    )
    assert [path for path, _ in found] == ["instances.VI_1.virtual_ipaddress[1]"]


@pytest.mark.parametrize(
    ("keys", "where", "message"),
    [
        (
            {"fallback_metric": 1},
            "fallback_metric",
            "must be larger than the metric of "
            "virtual_routes[0] (1), so the route from the VIP wins while master, got 1",
        ),
        (  # IPv6 routes default to metric 1024
            {
                "virtual_ipaddress": ["2001:db8::100/64"],
                "virtual_routes": [{"dst": "default", "dev": "eth0", "src": "2001:db8::100"}],
            },
            "fallback_metric",
            "must be larger than the "
            "metric of virtual_routes[0] (1024), so the route from the VIP wins while master, "
            "got 100",
        ),
        (
            {"virtual_routes": [route()]},
            "fallback_routes",
            "is true but no virtual route has a src to fall back from",
        ),
        ({"fallback_metric": -5}, "fallback_metric", "must be 0..4294967295, got -5"),
        (
            {"virtual_routes": [route(src=VIP, metric=1), route(metric=100, via="192.0.2.9")]},
            "fallback_metric",
            "the fallback of virtual_routes[0] would replace "
            "virtual_routes[1] (same destination, table and metric 100)",
        ),
    ],
)
def test_bad_fallback(only_problem, make_instance, keys, where, message):
    values = {"fallback_routes": True, "virtual_routes": [route(src=VIP, metric=1)], **keys}
    assert only_problem(make_instance(**values)) == (f"instances.VI_1.{where}", message)


def test_fallback_metric_is_checked_even_when_fallback_is_off(only_problem, make_instance):
    assert only_problem(make_instance(fallback_metric=2**32)) == (
        "instances.VI_1.fallback_metric",
        "must be 0..4294967295, got 4294967296",
    )


def test_parse_table_names_reads_numbers_in_decimal_and_hex():
    text = "# c\n 1\tone\n0x10 sixteen # tail\nx bad\n5\n4294967296 too_big\n"
    assert rt_tables.parse_table_names(text) == {"one": 1, "sixteen": 16}


def test_table_names_without_any_file_are_the_builtins(tmp_path):
    assert rt_tables.table_names((str(tmp_path / "none"),), (str(tmp_path / "none.d"),)) == {
        "unspec": 0,
        "default": 253,
        "main": 254,
        "local": 255,
    }
