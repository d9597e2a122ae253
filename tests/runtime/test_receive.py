"""The receive path: every bad packet is counted by reason, good ones reach their instance."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import ip_address

from vrrpd.io.rawsock import Received
from vrrpd.protocol.packet import Advert, encode
from vrrpd.runtime.counters import Counters
from vrrpd.runtime.peers import PeerTable
from vrrpd.runtime.receive import Listener, LogLimiter

GROUP = ip_address("224.0.0.18")
PEER = ip_address("192.0.2.12")
US = ip_address("192.0.2.11")


@dataclass
class Cfg:
    version: int = 3
    auth_type: int = 0
    auth_password: bytes = b""


@dataclass
class Runner:
    name: str = "VI_1"
    cfg: Cfg = field(default_factory=Cfg)
    peers: tuple = ()
    counters: Counters = field(default_factory=Counters)
    peer_table: PeerTable = field(default_factory=PeerTable)
    heard: list = field(default_factory=list)

    def accepts_source(self, src) -> bool:
        return not self.peers or src in self.peers

    def advert_received(self, src, advert) -> None:
        self.heard.append((src, advert))


def advert(version=3, vrid=51, **kw) -> bytes:
    a = Advert(version=version, vrid=vrid, priority=100, interval=100 if version == 3 else 1,
               addresses=(ip_address("192.0.2.100"),), **kw)
    return encode(a, PEER, GROUP)


def listener(runner: Runner) -> Listener:
    return Listener(ifindex=2, family=2, by_vrid={51: runner}, own={US})


def test_a_valid_advert_reaches_its_instance():
    r = Runner()
    listener(r).dispatch(Received(PEER, GROUP, 255, advert()))
    assert [src for src, _ in r.heard] == [PEER]
    assert r.counters.dropped == {}


def test_rejections_are_counted_by_reason():
    r = Runner(peers=(PEER,))
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
    r = Runner(cfg=Cfg(version=2, auth_type=1, auth_password=b"secret"))
    lst = listener(r)
    lst.dispatch(Received(PEER, GROUP, 255, advert(version=2, auth_type=1, auth_data=b"wrong")))
    lst.dispatch(Received(PEER, GROUP, 255, advert(version=2, auth_type=1, auth_data=b"secret")))
    assert dict(r.counters.dropped) == {"auth_mismatch": 1}
    assert len(r.heard) == 1


def test_unknown_vrid_and_our_own_packets():
    r = Runner()
    lst = listener(r)
    lst.dispatch(Received(PEER, GROUP, 255, advert(vrid=7)))
    lst.dispatch(Received(US, GROUP, 255, advert()))
    lst.dispatch(Received(PEER, GROUP, 255, b""))
    assert lst.dropped == {"unknown_vrid": 2}
    assert r.heard == [] and r.counters.dropped == {}


def test_log_limiter_holds_back_repeats_and_counts_them():
    lines = []
    limit = LogLimiter()
    for _ in range(5):
        limit(("VI_1", "bad_ttl"), lambda msg, **kw: lines.append(kw))
    limit(("VI_1", "short"), lambda msg, **kw: lines.append(kw))
    assert len(lines) == 2 and lines[0]["suppressed"] == 0
