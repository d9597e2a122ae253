"""ARP / NA claims: parsing and probes (scapy as the oracle), the filtered socket in a netns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path

import pytest
from scapy.layers.inet6 import (
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
)
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

from vrrpd.io.claims import (
    ARP_FILTER,
    NA_FILTER,
    Claim,
    arp_probe,
    ns_probe,
    parse_arp,
    parse_mac,
    parse_na,
    probe_frame,
)
from vrrpd.io.garp import build_frames

pytestmark = pytest.mark.timeout(60)

MAC = "02:1a:00:00:00:0b"
OTHER = "02:1a:00:00:00:0c"
VIP4 = IPv4Address("192.0.2.100")
VIP6 = IPv6Address("2001:db8::100")
AGENT = Path(__file__).with_name("claims_agent.py")
REPO = Path(__file__).resolve().parents[2]


def arp(op: int, sip: str, tip: str, sha: str = OTHER, **kw) -> bytes:
    return bytes(
        Ether(src=sha, dst="ff:ff:ff:ff:ff:ff") / ARP(op=op, hwsrc=sha, psrc=sip, pdst=tip, **kw)
    )


def na(
    target: str, *, lladdr: str | None = OTHER, hlim: int = 255, src: str = "fe80::c", code: int = 0
) -> bytes:
    packet = IPv6(src=src, dst="ff02::1", hlim=hlim) / ICMPv6ND_NA(tgt=target, code=code)
    if lladdr is not None:
        packet = packet / ICMPv6NDOptDstLLAddr(lladdr=lladdr)
    return bytes(Ether(src=OTHER, dst="33:33:00:00:00:01") / packet)


# -- parsing: ARP ------------------------------------------------------------------------


def test_gratuitous_arp_request_is_a_claim():
    assert parse_arp(arp(1, "192.0.2.100", "192.0.2.100")) == Claim(VIP4, OTHER, "garp")


def test_our_own_garp_frames_parse_as_claims():
    (frame,) = build_frames(MAC, [VIP4])
    assert parse_arp(frame) == Claim(VIP4, MAC, "garp")


def test_arp_reply_is_a_claim_of_its_sender_address():
    frame = arp(2, "192.0.2.100", "192.0.2.11", hwdst=MAC)
    assert parse_arp(frame) == Claim(VIP4, OTHER, "arp-reply")


@pytest.mark.parametrize(
    "frame",
    [
        arp(1, "192.0.2.11", "192.0.2.100"),  # an ordinary request claims nothing
        arp(1, "0.0.0.0", "0.0.0.0"),  # RFC 5227 probe
        arp(2, "0.0.0.0", "192.0.2.11"),
        arp(2, "192.0.2.100", "192.0.2.11", sha="01:00:5e:00:00:01"),  # multicast sender
        arp(2, "192.0.2.100", "192.0.2.11", sha="00:00:00:00:00:00"),
        arp(3, "192.0.2.100", "192.0.2.100"),  # RARP request opcode
        arp(2, "192.0.2.100", "192.0.2.11", ptype=0x86DD),
        arp(2, "192.0.2.100", "192.0.2.11")[:41],  # truncated
        na("2001:db8::100"),  # not ARP at all
        b"",
    ],
)
def test_arp_frames_that_claim_nothing_give_none(frame):
    assert parse_arp(frame) is None


# -- parsing: NA ---------------------------------------------------------------------------


def test_unsolicited_na_is_a_claim_by_its_target_link_layer_address():
    assert parse_na(na("2001:db8::100")) == Claim(VIP6, OTHER, "na")


def test_our_own_na_frames_parse_as_claims():
    (frame,) = build_frames(MAC, [VIP6])
    assert parse_na(frame) == Claim(VIP6, MAC, "na")


def test_na_without_option_is_claimed_by_the_ethernet_source():
    frame = bytes(
        Ether(src=OTHER, dst=MAC)
        / IPv6(src="2001:db8::100", dst="fe80::b", hlim=255)
        / ICMPv6ND_NA(tgt=str(VIP6), S=1)
    )
    assert parse_na(frame) == Claim(VIP6, OTHER, "na")


def _corrupt_checksum(frame: bytes) -> bytes:
    return frame[:56] + bytes([frame[56] ^ 0xFF]) + frame[57:]


@pytest.mark.parametrize(
    "frame",
    [
        na("2001:db8::100", hlim=64),  # routed: RFC 4861 wants 255
        na("2001:db8::100", code=1),
        na("ff02::1"),  # multicast target
        na("2001:db8::100", lladdr="33:33:00:00:00:01"),
        _corrupt_checksum(na("2001:db8::100")),
        na("2001:db8::100")[:-4],  # truncated option
        bytes(Ether(src=OTHER) / IPv6(hlim=255) / ICMPv6ND_NS(tgt=str(VIP6))),  # not an NA
        arp(1, "192.0.2.100", "192.0.2.100"),
        b"",
    ],
)
def test_invalid_na_frames_give_none(frame):
    assert parse_na(frame) is None


def test_na_option_of_length_zero_is_invalid():
    packet = IPv6(src="fe80::c", dst="ff02::1", hlim=255) / ICMPv6ND_NA(tgt=str(VIP6))
    frame = bytes(Ether(src=OTHER) / packet / Raw(b"\x02\x00" + b"\0" * 6))
    assert Ether(frame)[ICMPv6ND_NA].cksum  # scapy computed a valid checksum over it
    assert parse_na(frame) is None


# -- probe frames -----------------------------------------------------------------------------


def test_broadcast_arp_probe_asks_from_our_primary_address():
    frame = arp_probe(MAC, IPv4Address("192.0.2.11"), VIP4)
    ether = Ether(frame)
    assert (ether.dst, ether.src, ether.type) == ("ff:ff:ff:ff:ff:ff", MAC, 0x0806)
    a = ether[ARP]
    assert (a.op, a.hwsrc, a.psrc, a.hwdst, a.pdst) == (
        1,
        MAC,
        "192.0.2.11",
        "00:00:00:00:00:00",
        "192.0.2.100",
    )
    assert frame == bytes(
        Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC)
        / ARP(op=1, hwsrc=MAC, psrc="192.0.2.11", hwdst="00:00:00:00:00:00", pdst="192.0.2.100")
    )
    assert parse_arp(frame) is None  # a probe claims nothing


def test_unicast_arp_probe_goes_to_that_mac_only():
    frame = probe_frame(MAC, IPv4Address("192.0.2.11"), VIP4, OTHER)
    assert Ether(frame).dst == OTHER
    assert Ether(frame)[ARP].pdst == "192.0.2.100"


def test_multicast_ns_probe_matches_scapy_byte_for_byte():
    src = IPv6Address("fe80::1a:ff:fe00:b")
    frame = ns_probe(MAC, src, VIP6)
    expected = (
        Ether(dst="33:33:ff:00:01:00", src=MAC)
        / IPv6(src=str(src), dst="ff02::1:ff00:100", hlim=255)
        / ICMPv6ND_NS(tgt=str(VIP6))
        / ICMPv6NDOptSrcLLAddr(lladdr=MAC)
    )
    assert frame == bytes(expected)


def test_unicast_ns_probe_is_addressed_to_the_target():
    src = IPv6Address("fe80::1a:ff:fe00:b")
    frame = probe_frame(MAC, src, VIP6, OTHER)
    parsed = Ether(frame)
    assert (parsed.dst, parsed[IPv6].dst, parsed[IPv6].hlim) == (OTHER, str(VIP6), 255)
    sent = parsed[ICMPv6ND_NS].cksum
    del parsed[ICMPv6ND_NS].cksum
    assert Ether(bytes(parsed))[ICMPv6ND_NS].cksum == sent


@pytest.mark.parametrize(
    "mac",
    [
        "01:00:5e:00:00:01",
        "00:00:00:00:00:00",
        "02:1a:00:00:00",
        "zz:1a:00:00:00:0b",
        "02-1a-00-00-00-0b",
        "",
        None,
    ],
)
def test_bad_macs_are_refused(mac):
    with pytest.raises(ValueError):
        parse_mac(mac)
    with pytest.raises(ValueError):
        arp_probe(mac, IPv4Address("192.0.2.11"), VIP4)


def test_probe_with_mixed_families_is_refused():
    with pytest.raises(TypeError):
        probe_frame(MAC, IPv6Address("fe80::1"), VIP4, None)


def test_filters_are_whole_instructions():
    assert len(ARP_FILTER) % 8 == 0 and len(NA_FILTER) % 8 == 0


# -- the socket in a namespace --------------------------------------------------------------


def agent_argv(ns: str, *args: str) -> list[str]:
    return ["ip", "netns", "exec", ns, sys.executable, str(AGENT), *args]


def run_agent(ns: str, *args: str, timeout: float = 10.0) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        agent_argv(ns, *args), capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, done.stderr
    return json.loads(lines[-1])


def test_arp_probe_is_answered_by_the_holder_and_seen_as_its_claim(netpair):
    a, b = netpair.a, netpair.b
    for dst_mac in (None, b.mac):  # broadcast, then unicast to the holder
        extra = ("--dst-mac", dst_mac) if dst_mac else ()
        result = run_agent(
            a.ns, "probe", a.ifname, str(a.ipv4.ip), str(b.ipv4.ip), *extra, "--timeout", "3"
        )
        assert result["claims"] == [{"address": str(b.ipv4.ip), "mac": b.mac, "kind": "arp-reply"}]


def test_ns_probe_is_answered_by_the_holder_and_seen_as_its_claim(netpair):
    a, b = netpair.a, netpair.b
    for dst_mac in (None, b.mac):
        extra = ("--dst-mac", dst_mac) if dst_mac else ()
        result = run_agent(
            a.ns, "probe", a.ifname, str(a.link_local), str(b.ipv6.ip), *extra, "--timeout", "3"
        )
        assert result["claims"] == [{"address": str(b.ipv6.ip), "mac": b.mac, "kind": "na"}]


def test_only_claiming_frames_pass_the_filters(netpair):
    a, b = netpair.a, netpair.b
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    watchers = [
        subprocess.Popen(
            agent_argv(b.ns, "watch", b.ifname, family, "--timeout", "3", "--count", "2"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for family in ("4", "6")
    ]
    try:
        for watcher in watchers:
            assert json.loads(watcher.stdout.readline()) == {"ready": True}
        frames = [
            arp(1, "192.0.2.1", "192.0.2.77", sha=a.mac),  # ordinary request: filtered
            bytes(
                Ether(src=a.mac)
                / IPv6(src=str(a.link_local), dst="ff02::1:ff00:77", hlim=255)
                / ICMPv6ND_NS(tgt="2001:db8::77")
            ),
            arp(1, "192.0.2.100", "192.0.2.100", sha=a.mac),  # GARP: a claim
            *build_frames(a.mac, [VIP6]),  # unsolicited NA: a claim
            arp(2, "192.0.2.101", "192.0.2.2", sha=a.mac, hwdst=b.mac),  # reply: a claim
        ]
        assert run_agent(a.ns, "send", a.ifname, *(f.hex() for f in frames)) == {"sent": 5}
        results = [json.loads(w.communicate(timeout=10)[0].splitlines()[-1]) for w in watchers]
    finally:
        for watcher in watchers:
            if watcher.poll() is None:
                watcher.kill()
                watcher.communicate(timeout=10)
    arp_claims, na_claims = (r["claims"] for r in results)
    assert arp_claims == [
        {"address": "192.0.2.100", "mac": a.mac, "kind": "garp"},
        {"address": "192.0.2.101", "mac": a.mac, "kind": "arp-reply"},
    ]
    assert na_claims == [{"address": str(VIP6), "mac": a.mac, "kind": "na"}]


def test_claim_socket_errors_are_vrrpd_errors(netpair):
    a = netpair.a
    assert run_agent(a.ns, "open", "nosuch0", "999", "4")["error"] == "InterfaceMissing"
    no_caps = ("setpriv", "--bounding-set=-all", "--inh-caps=-all", "--reuid=65534")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            a.ns,
            *no_caps,
            sys.executable,
            str(AGENT),
            "open",
            a.ifname,
            str(a.ifindex),
            "4",
        ],
        capture_output=True,
        text=True,
        timeout=10,
        env=env,
        check=False,
    )
    assert json.loads(done.stdout.splitlines()[-1])["error"] == "NeedPrivilege", done.stderr


@pytest.mark.parametrize(("ifindex", "family"), [(0, 4), (1, 5)])
def test_claim_socket_refuses_bad_arguments(ifindex, family):
    from vrrpd.io.claims import ClaimSocket

    with pytest.raises(ValueError):
        ClaimSocket("lo", ifindex, family)
