"""Decode adverts captured from a real keepalived 2.2.7 (fixtures/README.md says how).

Each capture holds the adverts of one keepalived master followed by its priority-0
resignation on SIGTERM.  Re-encoding what we decode must give keepalived's bytes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path

import pytest
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.utils import rdpcap

from vrrpd.protocol.packet import (
    IPV4_GROUP,
    IPV6_GROUP,
    Advert,
    ChecksumForm,
    DropReason,
    PacketError,
    check_auth,
    decode,
    encode,
)

FIXTURES = Path(__file__).parent / "fixtures"
ETHERNET_HEADER = 14
IPV6_HEADER = 40
SPEAKER4 = IPv4Address("192.0.2.1")
SPEAKER6 = IPv6Address("fe80::ff:fe00:1")  # EUI-64 link-local of the fixed MAC 02:00:00:00:00:01


@dataclass(frozen=True)
class Captured:
    src: IPv4Address | IPv6Address
    dst: IPv4Address | IPv6Address
    hop_limit: int
    payload: bytes


def captured(scenario: str) -> list[Captured]:
    """The VRRP payloads of a capture, cut from the original frame bytes (no re-building)."""
    packets = []
    for frame in rdpcap(str(FIXTURES / f"keepalived-{scenario}.pcap")):
        datagram = frame.original[ETHERNET_HEADER:]
        if IP in frame:
            header = frame[IP]
            assert header.proto == 112
            payload = datagram[header.ihl * 4 : header.len]
            hop_limit = header.ttl
        else:
            header = frame[IPv6]
            assert header.nh == 112
            payload = datagram[IPV6_HEADER : IPV6_HEADER + header.plen]
            hop_limit = header.hlim
        packets.append(Captured(ip_address(header.src), ip_address(header.dst), hop_limit, payload))
    return packets


# What capture_keepalived.py configured: (scenario, expected advert at the configured priority,
# src, dst).  keepalived always sends v3 with the RFC 5798 pseudo-header checksum.
SCENARIOS = [
    pytest.param(
        "v2-pass",
        Advert(
            2, 51, 150, 1, (IPv4Address("192.0.2.100"), IPv4Address("192.0.2.101")),
            1, b"secret12", ChecksumForm.V2,
        ),
        SPEAKER4, IPV4_GROUP, id="v2-pass",
    ),
    pytest.param(
        "v3-ipv4",
        Advert(3, 52, 100, 50, (IPv4Address("192.0.2.110"),), 0, b"", ChecksumForm.PSEUDO),
        SPEAKER4, IPV4_GROUP, id="v3-ipv4",
    ),
    pytest.param(
        "v3-ipv6",
        Advert(
            3, 53, 200, 100,
            (IPv6Address("fe80::53"), IPv6Address("2001:db8::100"), IPv6Address("2001:db8::101")),
            0, b"", ChecksumForm.PSEUDO,
        ),
        SPEAKER6, IPV6_GROUP, id="v3-ipv6",
    ),
    pytest.param(
        "v3-ipv4-unicast",
        Advert(3, 54, 120, 100, (IPv4Address("192.0.2.120"),), 0, b"", ChecksumForm.PSEUDO),
        SPEAKER4, IPv4Address("192.0.2.2"), id="v3-ipv4-unicast",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("scenario", "expected", "src", "dst"), SCENARIOS)
def test_every_captured_advert_decodes_to_the_configured_fields(scenario, expected, src, dst):
    packets = captured(scenario)
    assert len(packets) >= 3  # at least two adverts as master, then the resignation
    for packet in packets:
        assert (packet.src, packet.dst, packet.hop_limit) == (src, dst, 255)
    adverts = [decode(packet.payload, packet.src, packet.dst) for packet in packets]
    assert adverts[:-1] == [expected] * (len(adverts) - 1)
    resignation = Advert(
        expected.version, expected.vrid, 0, expected.interval, expected.addresses,
        expected.auth_type, expected.auth_data, expected.checksum_form,
    )  # fmt: skip
    assert adverts[-1] == resignation


@pytest.mark.parametrize(("scenario", "expected", "src", "dst"), SCENARIOS)
def test_reencoding_gives_keepalived_bytes_back(scenario, expected, src, dst):
    for packet in captured(scenario):
        advert = decode(packet.payload, packet.src, packet.dst)
        assert encode(advert, packet.src, packet.dst) == packet.payload


def test_keepalived_v2_password_passes_auth_check():
    for packet in captured("v2-pass"):
        advert = decode(packet.payload, packet.src, packet.dst)
        check_auth(advert, 1, b"secret12")
        with pytest.raises(PacketError) as caught:
            check_auth(advert, 1, b"secret13")
        assert caught.value.reason is DropReason.AUTH_MISMATCH


def test_keepalived_unicast_checksum_covers_the_unicast_destination_not_the_group():
    packet = captured("v3-ipv4-unicast")[0]
    with pytest.raises(PacketError) as caught:
        decode(packet.payload, packet.src, IPV4_GROUP)
    assert caught.value.reason is DropReason.BAD_CHECKSUM
