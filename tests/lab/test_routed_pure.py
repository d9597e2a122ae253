"""The routed lab and FRR helpers without root: configs they write, the bench's table."""

from __future__ import annotations

import pytest
from netns_lab.bench_routed import RoutedResults, RoutedSample, render_routed
from netns_lab.frr import frr_vrrp_conf
from netns_lab.routed import ROUTERS, routed_vrrpd_conf, router_frr_conf, upstream_frr_conf

from vrrpd.config import parse_config


def test_routed_vrrpd_config_is_valid_and_routed():
    cfg = parse_config(routed_vrrpd_conf(ROUTERS[0], priority=150), "r1.toml").instances[0]
    assert cfg.announce.table == 100 and cfg.vips[0].dev == "lo"
    assert [str(p) for p in cfg.unicast_peer] == [ROUTERS[1].address]
    assert cfg.unicast_min_ttl == 254


def test_frr_configs_split_per_daemon():
    conf = router_frr_conf(ROUTERS[1])
    assert "ip import-table 100" in conf["zebra"]
    assert "redistribute table 100" in conf["bgpd"]
    assert "remote-as 65000" in conf["bgpd"] and "bgp router-id 198.51.100.6" in conf["bgpd"]
    up = upstream_frr_conf()["bgpd"]
    assert all(f"neighbor {p.address} remote-as {p.asn}" in up for p in ROUTERS)


def test_frr_vrrp_config():
    text = frr_vrrp_conf(51, priority=150, version=2, advert_ms=1000, ipv4="192.0.2.100")
    assert text.splitlines() == [
        "interface eth0",
        " vrrp 51 version 2",
        " vrrp 51 priority 150",
        " vrrp 51 advertisement-interval 1000",
        " vrrp 51 ip 192.0.2.100",
    ]


def test_routed_bench_table_splits_detection_and_propagation():
    results = RoutedResults(
        rounds=2,
        samples=[
            RoutedSample("fault", 400.0, 300.0, 100.0),
            RoutedSample("fault", 420.0, 310.0, 110.0),
            RoutedSample("stop", 100.0, 0.0, 100.0),
        ],
        failures=["round 2: boom"],
    )
    text = render_routed(results)
    assert "Master_Down_Interval 361 ms; hard-fault goal <= 411 ms" in text
    assert "410/420" in text and "305/310" in text and "105/110" in text
    assert "FAILED round 2: boom" in text


@pytest.mark.parametrize("vrid", [0, 256])
def test_macvlan_vrid_is_checked(vrid):
    from netns_lab.frr import vrrp_macvlans

    with pytest.raises(ValueError):
        vrrp_macvlans(None, vrid, ipv4="192.0.2.100/24")
