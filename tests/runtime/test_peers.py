"""The per-instance peer table behind `vrrpd explain`: bounded, most recent first."""

from __future__ import annotations

from ipaddress import ip_address

from vrrpd.runtime.peers import MAX_PEERS, PeerTable


def test_heard_and_dropped_per_source():
    table = PeerTable()
    src = ip_address("192.0.2.11")
    table.heard(src, 150, 100, 3, now=10.0)
    table.dropped(src, "bad_ttl")
    table.dropped(src, "bad_ttl")
    table.dropped(ip_address("192.0.2.66"), "unknown_peer")
    first, second = table.snapshot(now=10.5)
    assert first.address == "192.0.2.66" and first.priority is None and first.age is None
    assert (second.address, second.priority, second.interval, second.age, second.adverts) == (
        "192.0.2.11", 150, 1.0, 0.5, 1)
    assert second.dropped == {"bad_ttl": 2}


def test_bounded_least_recently_heard_goes_first():
    table = PeerTable()
    for i in range(MAX_PEERS + 5):
        table.heard(ip_address(f"192.0.2.{i + 1}"), 100, 100, 3, now=float(i))
    table.heard(ip_address("192.0.2.6"), 100, 100, 3, now=99.0)  # refreshed: kept
    table.heard(ip_address("192.0.2.200"), 100, 100, 3, now=100.0)
    addresses = [p.address for p in table.snapshot(now=100.0)]
    assert len(table) == MAX_PEERS == len(addresses)
    assert addresses[:2] == ["192.0.2.200", "192.0.2.6"]
    assert "192.0.2.7" not in addresses  # the oldest went


def test_bad_interval_is_kept_as_unknown():
    table = PeerTable()
    table.heard(ip_address("192.0.2.11"), 100, 0, 3, now=0.0)
    assert table.snapshot(0.0)[0].interval is None
