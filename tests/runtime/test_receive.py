"""The receive path: every bad packet is counted by reason, good ones reach their instance."""

from __future__ import annotations

import struct
from ipaddress import ip_address

from tests.runtime.fakes import FakeInstance, instance_config
from vrrpd.io.rawsock import Received
from vrrpd.protocol.packet import Advert, encode, internet_checksum
from vrrpd.runtime.receive import Listener, LogLimiter

GROUP = ip_address("224.0.0.18")
PEER = ip_address("192.0.2.12")
US = ip_address("192.0.2.11")


def advert(version=3, vrid=51, **kw) -> bytes:
    a = Advert(version=version, vrid=vrid, priority=100, interval=100 if version == 3 else 1,
               addresses=(ip_address("192.0.2.100"),), **kw)
    return encode(a, PEER, GROUP)


def listener(runner: FakeInstance) -> Listener:
    return Listener(ifindex=2, family=2, by_vrid={51: runner}, own={US})


def test_a_valid_advert_reaches_its_instance():
    r = FakeInstance()
    listener(r).dispatch(Received(PEER, GROUP, 255, advert()))
    assert [src for src, _ in r.heard] == [PEER]
    assert r.counters.dropped == {}


def test_rejections_are_counted_by_reason():
    r = FakeInstance(instance_config(
        'unicast_src_ip = "192.0.2.11"\nunicast_peer = ["192.0.2.12"]'))  # PEER only
    lst = listener(r)
    good = advert()
    lst.dispatch(Received(PEER, GROUP, 64, good))  # routed from elsewhere
    lst.dispatch(Received(ip_address("192.0.2.99"), GROUP, 255, good))  # not a peer
    lst.dispatch(Received(PEER, GROUP, 255, good[:-1] + bytes([good[-1] ^ 1])))  # checksum
    lst.dispatch(Received(PEER, GROUP, 255, good[:6]))  # short
    lst.dispatch(Received(PEER, GROUP, 255, advert(version=2)))  # v2 to a v3 instance
    assert dict(r.counters.dropped) == {"bad_ttl": 1, "unknown_peer": 1, "bad_checksum": 1,
                                        "short": 1, "version_mismatch": 1}
    assert r.heard == []
    by_source = {p.address: dict(p.dropped) for p in r.peer_table.snapshot(0.0)}
    assert by_source == {str(PEER): {"bad_ttl": 1, "bad_checksum": 1, "short": 1,
                                     "version_mismatch": 1},
                         "192.0.2.99": {"unknown_peer": 1}}


def test_v2_password_is_checked():
    r = FakeInstance(instance_config(
        'version = 2\nauthentication = { type = "PASS", password = "secret" }'))
    lst = listener(r)
    lst.dispatch(Received(PEER, GROUP, 255, advert(version=2, auth_type=1, auth_data=b"wrong")))
    lst.dispatch(Received(PEER, GROUP, 255, advert(version=2, auth_type=1, auth_data=b"secret")))
    assert dict(r.counters.dropped) == {"auth_mismatch": 1}
    assert len(r.heard) == 1


def test_unknown_vrid_and_our_own_address():
    """Multicast loop is off: an advert from our own address is another box using it (which can
    hide a second master), so it is counted and logged, never dropped silently."""
    r = FakeInstance()
    lst = listener(r)
    logged = []
    lst.limit = lambda key, emit, **fields: logged.append(fields)
    lst.dispatch(Received(PEER, GROUP, 255, advert(vrid=7)))
    lst.dispatch(Received(US, GROUP, 255, advert()))
    lst.dispatch(Received(PEER, GROUP, 255, b""))
    assert lst.dropped == {"unknown_vrid": 2}
    assert r.heard == [] and r.counters.dropped == {"own_address": 1}
    assert [(f["reason"], f["src"]) for f in logged] == [("own_address", str(US))]


def test_a_unicast_advert_to_a_multicast_instance_is_dropped_and_counted():
    """keepalived drops them too: a priority-255 unicast advert once took a master over."""
    r = FakeInstance()
    lst = listener(r)
    logged = []
    lst.limit = lambda key, emit, **fields: logged.append(fields)
    unicast = encode(Advert(3, 51, 255, 100, (ip_address("192.0.2.100"),)), PEER, US)
    lst.dispatch(Received(PEER, US, 255, unicast))
    assert r.counters.dropped == {"wrong_destination": 1} and r.heard == []
    assert logged[0]["dst"] == str(US)


def test_a_unicast_instance_takes_unicast_adverts():
    r = FakeInstance(instance_config(
        'unicast_src_ip = "192.0.2.11"\nunicast_peer = ["192.0.2.12"]'))
    unicast = encode(Advert(3, 51, 100, 100, (ip_address("192.0.2.100"),)), PEER, US)
    listener(r).dispatch(Received(PEER, US, 255, unicast))
    assert r.counters.dropped == {} and len(r.heard) == 1


def test_ipv6_multicast_instance_accepts_the_group_and_drops_unicast():
    src, group, us = ip_address("fe80::12"), ip_address("ff02::12"), ip_address("fe80::11")
    vips = (ip_address("2001:db8::100"),)
    r = FakeInstance()
    lst = Listener(ifindex=2, family=10, by_vrid={51: r}, own={us})
    lst.dispatch(Received(src, group, 255, encode(Advert(3, 51, 100, 100, vips), src, group)))
    lst.dispatch(Received(src, us, 255, encode(Advert(3, 51, 100, 100, vips), src, us)))
    assert len(r.heard) == 1 and r.counters.dropped == {"wrong_destination": 1}


def test_an_advert_without_addresses_is_dropped_and_counted():
    """RFC 9568 §5.2.5: an advert with Count IPvX Addr 0 MUST be ignored."""
    r = FakeInstance()
    header = struct.pack("!BBBBHH", 0x31, 51, 100, 0, 100, 0)  # v3, VRID 51, count 0
    checksum = internet_checksum(header, int(PEER) + int(GROUP) + 112 + len(header))
    listener(r).dispatch(Received(PEER, GROUP, 255, header[:6] + checksum.to_bytes(2, "big")))
    assert r.counters.dropped == {"no_addresses": 1} and r.heard == []


def test_log_limiter_holds_back_repeats_and_counts_them():
    lines = []
    limit = LogLimiter()
    for _ in range(5):
        limit(("VI_1", "bad_ttl"), lambda msg, **kw: lines.append(kw))
    limit(("VI_1", "short"), lambda msg, **kw: lines.append(kw))
    assert len(lines) == 2 and lines[0]["suppressed"] == 0


UNICAST = 'unicast_src_ip = "192.0.2.11"\nunicast_peer = ["192.0.2.12"]\n'


def unicast_advert() -> bytes:
    return encode(Advert(version=3, vrid=51, priority=100, interval=100,
                         addresses=(ip_address("192.0.2.100"),)), PEER, US)


def test_unicast_min_ttl_admits_routed_peers_and_nothing_below_it():
    r = FakeInstance(instance_config(UNICAST + "unicast_min_ttl = 253"))
    lst = listener(r)
    for ttl in (255, 254, 253, 252, 64):
        lst.dispatch(Received(PEER, US, ttl, unicast_advert()))
    assert len(r.heard) == 3
    assert dict(r.counters.dropped) == {"bad_ttl": 2}


def test_multicast_always_needs_ttl_255_even_with_unicast_min_ttl():
    r = FakeInstance(instance_config(UNICAST + "unicast_min_ttl = 1"))
    listener(r).dispatch(Received(PEER, GROUP, 254, advert()))
    assert r.heard == []
    assert dict(r.counters.dropped) == {"bad_ttl": 1}


def test_default_unicast_min_ttl_keeps_rfc_ttl_255():
    r = FakeInstance(instance_config(UNICAST))
    lst = listener(r)
    lst.dispatch(Received(PEER, US, 254, unicast_advert()))
    lst.dispatch(Received(PEER, US, 255, unicast_advert()))
    assert len(r.heard) == 1
    assert dict(r.counters.dropped) == {"bad_ttl": 1}
