"""Property tests: decode never fails in any way but PacketError, encode→decode is identity."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

from hypothesis import given, settings
from hypothesis import strategies as st

from vrrpd.protocol.packet import (
    IPV4_GROUP,
    IPV6_GROUP,
    Advert,
    ChecksumForm,
    PacketError,
    decode,
    encode,
)

ipv4 = st.integers(0, 2**32 - 1).map(IPv4Address)
ipv6 = st.integers(0, 2**128 - 1).map(IPv6Address)
vrids = st.integers(1, 255)
priorities = st.integers(0, 255)
passwords = st.binary(max_size=8).map(lambda password: password.rstrip(b"\0"))


@st.composite
def sendable(draw):
    """(advert, src, dst, pseudo_header) for any advert encode accepts."""
    kind = draw(st.sampled_from(["v2", "v3-ipv4", "v3-ipv6"]))
    family = ipv6 if kind == "v3-ipv6" else ipv4
    group = IPV6_GROUP if kind == "v3-ipv6" else IPV4_GROUP
    src, dst = draw(family), draw(st.one_of(st.just(group), family))
    addresses = tuple(draw(st.lists(family, min_size=1, max_size=20)))
    if kind == "v2":
        auth_type = draw(st.sampled_from([0, 1]))
        advert = Advert(
            2, draw(vrids), draw(priorities), draw(st.integers(1, 255)), addresses,
            auth_type, draw(passwords) if auth_type else b"",
        )  # fmt: skip
    else:
        advert = Advert(3, draw(vrids), draw(priorities), draw(st.integers(1, 4095)), addresses)
    return advert, src, dst, draw(st.booleans())


def expected_form(advert: Advert, src, dst, pseudo_header: bool) -> ChecksumForm:
    if advert.version == 2:
        return ChecksumForm.V2
    if pseudo_header or src.version == 6:
        return ChecksumForm.PSEUDO
    # If the pseudo-header happens to sum to 0 (mod 0xFFFF) both forms give the same checksum
    # and decode reports the RFC 5798 one.
    same = encode(advert, src, dst) == encode(advert, src, dst, pseudo_header=False)
    return ChecksumForm.PSEUDO if same else ChecksumForm.NO_PSEUDO


def decode_or_drop(data: bytes, src, dst) -> Advert | PacketError:
    try:
        return decode(data, src, dst)
    except PacketError as error:
        return error


@settings(max_examples=300, deadline=None)
@given(sendable())
def test_encode_then_decode_is_identity(case):
    advert, src, dst, pseudo_header = case
    decoded = decode(encode(advert, src, dst, pseudo_header=pseudo_header), src, dst)
    assert decoded == Advert(
        advert.version, advert.vrid, advert.priority, advert.interval, advert.addresses,
        advert.auth_type, advert.auth_data, expected_form(advert, src, dst, pseudo_header),
    )  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=120), st.sampled_from(["ipv4", "ipv6"]), st.data())
def test_arbitrary_bytes_give_an_advert_or_a_packet_error(data, family, draw):
    addresses = ipv4 if family == "ipv4" else ipv6
    src, dst = draw.draw(addresses), draw.draw(addresses)
    assert isinstance(decode_or_drop(data, src, dst), Advert | PacketError)


@st.composite
def mutated(draw):
    """A valid packet with some bytes overwritten, cut short or extended."""
    advert, src, dst, pseudo_header = draw(sendable())
    data = bytearray(encode(advert, src, dst, pseudo_header=pseudo_header))
    for _ in range(draw(st.integers(0, 4))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    edit = draw(st.sampled_from(["none", "truncate", "extend"]))
    if edit == "truncate":
        del data[draw(st.integers(0, len(data))) :]
    elif edit == "extend":
        data += draw(st.binary(min_size=1, max_size=20))
    return bytes(data), src, dst


@settings(max_examples=500, deadline=None)
@given(mutated())
def test_mutated_valid_packets_give_an_advert_or_a_packet_error(case):
    data, src, dst = case
    result = decode_or_drop(data, src, dst)
    assert isinstance(result, Advert | PacketError)
    if isinstance(result, Advert):
        # Whatever gets through is a well-formed advert the state machine can trust.
        assert result.version in (2, 3) and result.interval >= 1
        assert all(address.version == src.version for address in result.addresses)
        assert len(data) == 8 + len(result.addresses) * (4 if src.version == 4 else 16) + (
            8 if result.version == 2 else 0
        )
