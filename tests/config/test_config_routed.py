"""Beyond one LAN: `announce`, VIPs on lo, `unicast_ttl` / `unicast_min_ttl`, and the rules
that tie them together (every bad combination has its one-line error)."""

from __future__ import annotations

import pytest

from vrrpd.config import rt_tables
from vrrpd.config.model import Announce

UNICAST = {"unicast_src_ip": "198.51.100.2", "unicast_peer": ["198.51.100.6"]}
ON_LO = [{"address": "192.0.2.100/32", "dev": "lo"}]


@pytest.fixture(autouse=True)
def system_tables(tmp_path, monkeypatch):
    main = tmp_path / "rt_tables"
    main.write_text("255 local\n254 main\n253 default\n0 unspec\n100 vrrpd\n")
    monkeypatch.setattr(rt_tables, "TABLE_FILES", (str(main),))
    monkeypatch.setattr(rt_tables, "TABLE_DIRS", ())


def test_routed_instance_with_a_vip_on_lo(instance_of):
    cfg = instance_of(
        **UNICAST,
        unicast_ttl=64,
        unicast_min_ttl=250,
        announce={"table": "vrrpd"},
        virtual_ipaddress=ON_LO,
    )
    assert cfg.announce == Announce(table=100)
    assert (cfg.unicast_ttl, cfg.unicast_min_ttl) == (64, 250)
    assert cfg.vips[0].dev == "lo"


def test_defaults_keep_the_rfc_ttl_and_announce_nothing(instance_of):
    cfg = instance_of(**UNICAST)
    assert (cfg.unicast_ttl, cfg.unicast_min_ttl, cfg.announce) == (255, 255, None)
    assert cfg.vips[0].dev is None


def test_dev_equal_to_the_interface_is_the_default(instance_of):
    cfg = instance_of(virtual_ipaddress=[{"address": "192.0.2.100/24", "dev": "eth0"}])
    assert cfg.vips[0].dev is None


def test_ipv6_host_address_on_lo(instance_of):
    cfg = instance_of(
        announce={"table": 100}, virtual_ipaddress=[{"address": "2001:db8::100/128", "dev": "lo"}]
    )
    assert cfg.vips[0].dev == "lo"


def test_without_announce_a_vip_on_lo_is_keepalived_style(instance_of):
    """No announce: lo (or any dev) is just where the address goes, any prefix, as main's
    `dev` allows; the host-address rule is announce's only."""
    cfg = instance_of(
        virtual_ipaddress=[
            {"address": "192.0.2.100/24"},
            {"address": "192.0.2.101/24", "dev": "lo"},
            {"address": "192.0.2.102/32", "dev": "eth1"},
        ]
    )
    assert [vip.dev for vip in cfg.vips] == [None, "lo", "eth1"]


def test_announce_with_a_vip_on_another_lan_dev(instance_of):
    cfg = instance_of(
        announce={"table": 100},
        virtual_ipaddress=[{"address": "192.0.2.100/24", "dev": "eth1"}],
    )
    assert cfg.vips[0].dev == "eth1" and cfg.announce == Announce(table=100)


def test_announce_works_for_a_vip_on_the_lan_too(instance_of):
    assert instance_of(announce={"table": 100}).announce == Announce(table=100)


@pytest.mark.parametrize(
    ("keys", "path", "words"),
    [
        (
            {
                "announce": {"table": 100},
                "virtual_ipaddress": [{"address": "192.0.2.100/24", "dev": "lo"}],
            },
            "virtual_ipaddress[0].dev",
            "host address (/32)",
        ),
        (
            {
                "announce": {"table": 100},
                "virtual_ipaddress": [{"address": "2001:db8::100/64", "dev": "lo"}],
            },
            "virtual_ipaddress[0].dev",
            "host address (/128)",
        ),
        (
            {
                "announce": {"table": 100},
                "virtual_ipaddress": [
                    {"address": "192.0.2.100/32", "dev": "lo", "label": "eth0:1"}
                ],
            },
            "virtual_ipaddress[0].label",
            "'lo:1'",
        ),
        ({"announce": {"table": "main"}}, "announce.table", "table of their own"),
        ({"announce": {"table": 255}}, "announce.table", "table of their own"),
        ({"announce": {"table": 253}}, "announce.table", "table of their own"),
        ({"announce": {"table": 0}}, "announce.table", "1..4294967294"),
        ({"announce": {"table": "nosuch"}}, "announce.table", "unknown routing table"),
        ({"unicast_ttl": 64}, "unicast_ttl", "unicast adverts only"),
        ({"unicast_min_ttl": 1}, "unicast_min_ttl", "unicast adverts only"),
        ({**UNICAST, "unicast_ttl": 0}, "unicast_ttl", "1..255"),
        ({**UNICAST, "unicast_min_ttl": 256}, "unicast_min_ttl", "1..255"),
    ],
)
def test_bad_combinations_are_one_clear_line(make_instance, only_problem, keys, path, words):
    where, message = only_problem(make_instance(**keys))
    assert where == f"instances.VI_1.{path}"
    assert words in message


def test_unknown_announce_key_is_reported(make_instance, problems_in):
    found = problems_in(make_instance(announce={"table": 100, "tabel": 1}))
    assert found and "tabel" in found[0][1]
