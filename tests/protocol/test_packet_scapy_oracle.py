"""Our codec against scapy's VRRP/VRRPv3 layers, byte for byte.

scapy only fills in the v3 checksum when an IP/IPv6 layer sits below VRRPv3, so every packet
is built over IP(ttl=255) or IPv6(hlim=255) and the IP header is stripped from its bytes.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.vrrp import VRRP, VRRPv3
from scapy.packet import Raw
from scapy.utils import checksum

from vrrpd.protocol.packet import (
    IPV4_GROUP,
    IPV6_GROUP,
    Advert,
    ChecksumForm,
    decode,
    encode,
    pad_password,
)

SRC4 = IPv4Address("192.0.2.1")
SRC6 = IPv6Address("fe80::ff:fe00:1")


def ip_payload(packet) -> bytes:
    """The VRRP bytes of a scapy IP/IPv6 packet (the IPv6 header is a fixed 40 bytes)."""
    raw = bytes(packet)
    header_len = (raw[0] & 0x0F) * 4 if raw[0] >> 4 == 4 else 40
    return raw[header_len:]


def scapy_bytes(advert: Advert, src, dst) -> bytes:
    addrlist = [str(address) for address in advert.addresses]
    if advert.version == 2:
        auth = pad_password(advert.auth_data) if advert.auth_type == 1 else bytes(8)
        layer = VRRP(
            vrid=advert.vrid, priority=advert.priority, authtype=advert.auth_type,
            adv=advert.interval, addrlist=addrlist,
            auth1=int.from_bytes(auth[:4], "big"), auth2=int.from_bytes(auth[4:], "big"),
        )  # fmt: skip
    else:
        layer = VRRPv3(
            vrid=advert.vrid, priority=advert.priority, adv=advert.interval, addrlist=addrlist
        )
    if src.version == 4:
        return ip_payload(IP(src=str(src), dst=str(dst), ttl=255) / layer)
    return ip_payload(IPv6(src=str(src), dst=str(dst), hlim=255) / layer)


def scapy_v3_ipv4_without_pseudo_header(advert: Advert, src, dst) -> bytes:
    """scapy has no RFC 9568 mode: build with checksum 0, then checksum the message alone."""
    packet = IP(src=str(src), dst=str(dst), ttl=255) / VRRPv3(
        vrid=advert.vrid, priority=advert.priority, adv=advert.interval, chksum=0,
        addrlist=[str(address) for address in advert.addresses],
    )  # fmt: skip
    message = ip_payload(packet)
    return message[:6] + checksum(message).to_bytes(2, "big") + message[8:]


VIPS4 = (IPv4Address("192.0.2.100"), IPv4Address("192.0.2.101"))
VIPS6 = (IPv6Address("fe80::53"), IPv6Address("2001:db8::100"), IPv6Address("2001:db8::101"))

CASES = [
    pytest.param(Advert(2, 51, 150, 1, VIPS4), SRC4, IPV4_GROUP, id="v2-auth0"),
    pytest.param(Advert(2, 51, 150, 1, VIPS4, 1, b"secret12"), SRC4, IPV4_GROUP, id="v2-pass"),
    pytest.param(Advert(2, 9, 0, 255, VIPS4[:1], 1, b"pw"), SRC4, IPV4_GROUP, id="v2-pass-pad"),
    pytest.param(Advert(2, 1, 255, 1, VIPS4[:1]), SRC4, IPV4_GROUP, id="v2-one-address"),
    pytest.param(Advert(3, 52, 100, 50, VIPS4), SRC4, IPV4_GROUP, id="v3-ipv4"),
    pytest.param(Advert(3, 52, 0, 4095, VIPS4[:1]), SRC4, IPV4_GROUP, id="v3-ipv4-one-address"),
    pytest.param(
        Advert(3, 54, 255, 100, VIPS4[:1]), SRC4, IPv4Address("192.0.2.2"), id="v3-ipv4-unicast"
    ),
    pytest.param(Advert(3, 53, 200, 100, VIPS6), SRC6, IPV6_GROUP, id="v3-ipv6"),
    pytest.param(Advert(3, 53, 0, 1, VIPS6[:1]), SRC6, IPV6_GROUP, id="v3-ipv6-one-address"),
]


@pytest.mark.parametrize(("advert", "src", "dst"), CASES)
def test_encode_matches_scapy_byte_for_byte(advert, src, dst):
    assert encode(advert, src, dst) == scapy_bytes(advert, src, dst)


@pytest.mark.parametrize(("advert", "src", "dst"), CASES)
def test_decode_reads_what_scapy_builds(advert, src, dst):
    form = ChecksumForm.V2 if advert.version == 2 else ChecksumForm.PSEUDO
    decoded = decode(scapy_bytes(advert, src, dst), src, dst)
    assert decoded == Advert(
        advert.version, advert.vrid, advert.priority, advert.interval, advert.addresses,
        advert.auth_type, advert.auth_data, form,
    )  # fmt: skip


def test_no_pseudo_header_form_matches_a_plain_checksum_over_scapys_message():
    advert = Advert(3, 52, 100, 100, VIPS4)
    expected = scapy_v3_ipv4_without_pseudo_header(advert, SRC4, IPV4_GROUP)
    assert encode(advert, SRC4, IPV4_GROUP, pseudo_header=False) == expected
    assert decode(expected, SRC4, IPV4_GROUP).checksum_form is ChecksumForm.NO_PSEUDO


def test_scapy_parses_our_bytes_back_to_the_same_fields():
    advert = Advert(3, 53, 200, 100, VIPS6)
    wire = IPv6(src=str(SRC6), dst=str(IPV6_GROUP), hlim=255, nh=112) / Raw(
        encode(advert, SRC6, IPV6_GROUP)
    )
    parsed = IPv6(bytes(wire))[VRRPv3]
    assert (parsed.vrid, parsed.priority, parsed.adv, parsed.ipcount) == (53, 200, 100, 3)
    assert [IPv6Address(a) for a in parsed.addrlist] == list(VIPS6)


# --- the same comparison over generated adverts ------------------------------------------

ipv4 = st.integers(0, 2**32 - 1).map(IPv4Address)
ipv6 = st.integers(0, 2**128 - 1).map(IPv6Address)
passwords = st.binary(max_size=8).map(lambda password: password.rstrip(b"\0"))


@st.composite
def adverts_with_addresses(draw):
    kind = draw(st.sampled_from(["v2", "v3-ipv4", "v3-ipv6"]))
    vrid, priority = draw(st.integers(1, 255)), draw(st.integers(0, 255))
    family = ipv6 if kind == "v3-ipv6" else ipv4
    src, dst = draw(family), draw(family)
    addresses = tuple(draw(st.lists(family, min_size=1, max_size=12)))
    if kind == "v2":
        auth_type = draw(st.sampled_from([0, 1]))
        auth_data = draw(passwords) if auth_type else b""
        advert = Advert(
            2, vrid, priority, draw(st.integers(1, 255)), addresses, auth_type, auth_data
        )
    else:
        advert = Advert(3, vrid, priority, draw(st.integers(1, 4095)), addresses)
    return advert, src, dst


@settings(max_examples=60, deadline=None)
@given(adverts_with_addresses())
def test_encode_matches_scapy_for_generated_adverts(case):
    advert, src, dst = case
    assert encode(advert, src, dst) == scapy_bytes(advert, src, dst)
