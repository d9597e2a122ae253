"""Egress follows the VIP: source addresses seen by a client, policy routing over a second
uplink, repair of removed routes, and nothing left behind after a clean stop."""

from __future__ import annotations

import pytest
from egress_support import extra_netns, routes, send, start_listener
from netns_lab import wait_until
from vrrpd_support import VIP4, instance, start_pair, stop, vrrpd_conf, wait_state

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]

OUTSIDE = "198.51.100.1"  # a far-away host: on the client's (and uplink 2's) loopback
CLIENT = "192.0.2.200"

EGRESS_VIA_VIP = f"""
fallback_routes = true
virtual_routes = [
  {{ dst = "default", via = "{CLIENT}", dev = "eth0", src = "{VIP4}", metric = 1 }},
  {{ dst = "192.0.2.0/25", dev = "eth0", src = "{VIP4}", metric = 1 }},
  {{ dst = "192.0.2.128/25", dev = "eth0", src = "{VIP4}", metric = 1 }},
]
"""


def _sources(host, listener, tag: str) -> set[str]:
    """Where traffic from `host` to the client and to OUTSIDE appears to come from."""
    send(host, CLIENT, f"{tag}-lan")
    send(host, OUTSIDE, f"{tag}-far")
    lan, far = listener.wait_peers(f"{tag}-lan"), listener.wait_peers(f"{tag}-far")
    return {*lan.values(), *far.values()}


def _vip_src_routes(host) -> list[dict]:
    return [r for r in routes(host, "proto", "keepalived") if r.get("prefsrc") == VIP4]


def _client_reaches_vip_at(lab_, name: str) -> None:
    """The client's neighbour entry for the VIP points at `name` (its GARP arrived)."""

    def moved() -> bool:
        return lab_[name].mac in lab_.client.ip("neigh", "show", VIP4).lower()

    wait_until(moved, 5, 0.05, message=f"client's ARP entry for the VIP moved to {name}")


def test_outgoing_traffic_leaves_from_the_vip_and_follows_it(lab):
    lab_ = lab()
    lab_.client.ip("addr", "add", f"{OUTSIDE}/32", "dev", "lo")
    listener = start_listener(lab_, lab_.client)
    r1, r2 = start_pair(lab_, extra=EGRESS_VIA_VIP)
    r2_ip = lab_["r2"].ipv4
    wait_until(lambda: len(_vip_src_routes(lab_["r1"])) == 3, 5, message="r1 routes installed")
    assert _sources(lab_["r1"], listener, "m1") == {VIP4}
    # the backup has no VIP: its fallbacks (metric 100, src = primary) carry its traffic
    assert _vip_src_routes(lab_["r2"]) == []
    assert _sources(lab_["r2"], listener, "b1") == {r2_ip}

    lab_.port_down("r1")  # failover: r2 takes the VIP, and the egress with it
    wait_state(r2, "MASTER")
    wait_until(lambda: len(_vip_src_routes(lab_["r2"])) == 3, 5, message="r2 routes installed")
    _client_reaches_vip_at(lab_, "r2")
    assert _sources(lab_["r2"], listener, "m2") == {VIP4}

    lab_.port_up("r1")  # the VIP returns to r1: its routes come back without a restart
    wait_state(r1, "MASTER")
    wait_state(r2, "BACKUP")
    wait_until(lambda: len(_vip_src_routes(lab_["r1"])) == 3, 5, message="r1 routes back")
    _client_reaches_vip_at(lab_, "r1")
    assert _sources(lab_["r1"], listener, "m3") == {VIP4}
    assert _vip_src_routes(lab_["r2"]) == []
    assert _sources(lab_["r2"], listener, "b3") == {r2_ip}  # the old master: its own address
    assert instance(r1)["counters"]["route_errors"] == 0


def test_policy_rule_sends_vip_traffic_out_of_a_second_uplink(lab):
    lab_ = lab(hosts=("r1",))
    router, client = lab_["r1"], lab_.client
    client.ip("addr", "add", f"{OUTSIDE}/32", "dev", "lo")
    with extra_netns(lab_, "up2") as uplink:
        # uplink 2: r1:up2 203.0.113.2 <-> 203.0.113.1 and .3 (two gateways for multipath)
        router.ip(
            "link", "add", "up2", "type", "veth", "peer", "name", "up2p", "netns", uplink.name
        )
        router.ip("addr", "add", "203.0.113.2/24", "dev", "up2")
        router.ip("link", "set", "up2", "up")
        for address in ("203.0.113.1/24", "203.0.113.3/24", f"{OUTSIDE}/32"):
            uplink.ip("addr", "add", address, "dev", "lo" if "198" in address else "up2p")
        uplink.ip("link", "set", "up2p", "up")
        uplink.ip("route", "add", "192.0.2.0/24", "via", "203.0.113.2")
        far1, far2 = start_listener(lab_, client), start_listener(lab_, uplink)
        extra = f"""
virtual_routes = [
  {{ dst = "default", via = "{CLIENT}", dev = "eth0", src = "{VIP4}", metric = 1 }},
  {{ dst = "default", table = 100, nexthops = [
      {{ via = "203.0.113.1", dev = "up2", weight = 3 }},
      {{ via = "203.0.113.3", dev = "up2", weight = 1 }} ] }},
]
virtual_rules = [ {{ from = "{VIP4}/32", table = 100, priority = 100 }} ]
"""
        r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1", extra=extra))
        wait_state(r1, "MASTER")
        wait_until(lambda: routes(router, "table", "100"), 5, message="table 100 installed")
        (table100,) = routes(router, "table", "100")
        hops = {(hop["gateway"], hop["weight"]) for hop in table100["nexthops"]}
        assert hops == {("203.0.113.1", 3), ("203.0.113.3", 1)}
        assert "100:\tfrom 192.0.2.100 lookup 100" in router.ip("rule")

        # unbound traffic leaves from the VIP, so the rule sends it out of uplink 2;
        # traffic from the primary address stays on the main table (uplink 1)
        assert send(router, OUTSIDE, "vip")["udp_src"] == VIP4
        assert set(far2.wait_peers("vip").values()) == {VIP4}
        send(router, OUTSIDE, "primary", bind=router.ipv4)
        assert set(far1.wait_peers("primary").values()) == {router.ipv4}
        assert far1.peers("vip") == {} and far2.peers("primary") == {}

        # removed by hand (or by the kernel when the VIP flaps) while master: restored
        router.ip("route", "del", "default", "table", "100")
        router.ip("rule", "del", "priority", "100")
        router.ip("route", "del", "default", "via", CLIENT, "metric", "1")
        wait_until(
            lambda: (
                routes(router, "table", "100")
                and "lookup 100" in router.ip("rule")
                and _vip_src_routes(router)
            ),
            5,
            message="route, rule and route restored",
        )
        assert instance(r1)["counters"]["routes_readded"] >= 3
        assert "re-installed" in r1.log_text()
        router.ip("addr", "del", f"{VIP4}/24", "dev", "eth0")  # the kernel drops src routes
        wait_until(
            lambda: router.has_address(VIP4) and _vip_src_routes(router),
            5,
            message="VIP and its route restored",
        )
        assert send(router, OUTSIDE, "after-flap")["udp_src"] == VIP4
        far2.wait_peers("after-flap")

        assert stop(r1) == 0  # a clean stop leaves none of it behind
        assert routes(router, "table", "100") == []
        assert routes(router, "proto", "keepalived") == []
        assert "lookup 100" not in router.ip("rule")
