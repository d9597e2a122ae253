"""The VRRP codec against the RFC 3768 / RFC 5798 layouts, built here by hand.

Packets are crafted with `struct` and a word-by-word RFC 1071 checksum written below, so
the codec's big-integer checksum is checked against an independent implementation.
"""

from __future__ import annotations

import struct
import time
from ipaddress import IPv4Address, IPv6Address

import pytest

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
    internet_checksum,
    pad_password,
)

SRC4 = IPv4Address("192.0.2.1")
PEER4 = IPv4Address("192.0.2.2")
SRC6 = IPv6Address("fe80::1")
VIPS4 = (IPv4Address("192.0.2.100"), IPv4Address("192.0.2.101"), IPv4Address("192.0.2.102"))
VIPS6 = (IPv6Address("fe80::53"), IPv6Address("2001:db8::100"))


def rfc1071(data: bytes) -> int:
    """Reference checksum: sum 16-bit words with end-around carry, then complement."""
    if len(data) % 2:
        data += b"\0"
    total = 0
    for (word,) in struct.iter_unpack("!H", data):
        total += word
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo_header(src, dst, length: int) -> bytes:
    if src.version == 4:
        return src.packed + dst.packed + struct.pack("!BBH", 0, 112, length)
    return src.packed + dst.packed + struct.pack("!I3xB", length, 112)


def with_checksum(message: bytes, prefix: bytes = b"") -> bytes:
    """`message` with bytes 6..7 set so that the checksum over prefix + message verifies."""
    zeroed = message[:6] + b"\0\0" + message[8:]
    checksum = rfc1071(prefix + zeroed)
    return zeroed[:6] + struct.pack("!H", checksum) + zeroed[8:]


def v2_packet(vrid=51, priority=100, count=None, auth_type=0, interval=1, addresses=VIPS4[:1],
              auth=bytes(8), version_type=0x21) -> bytes:  # fmt: skip
    count = len(addresses) if count is None else count
    header = struct.pack("!BBBBBBH", version_type, vrid, priority, count, auth_type, interval, 0)
    return with_checksum(header + b"".join(a.packed for a in addresses) + auth)


def v3_packet(src, dst, vrid=51, priority=100, count=None, interval=100, addresses=VIPS4[:1],
              version_type=0x31, trailer=b"", pseudo=True) -> bytes:  # fmt: skip
    count = len(addresses) if count is None else count
    header = struct.pack("!BBBBHH", version_type, vrid, priority, count, interval, 0)
    message = header + b"".join(a.packed for a in addresses) + trailer
    prefix = pseudo_header(src, dst, len(message)) if pseudo else b""
    return with_checksum(message, prefix)


def reason_of(data: bytes, src=SRC4, dst=IPV4_GROUP) -> DropReason:
    with pytest.raises(PacketError) as caught:
        decode(data, src, dst)
    return caught.value.reason


# --- round trips for every variant -------------------------------------------------------

ROUND_TRIPS = [
    pytest.param(Advert(2, 1, 100, 1, VIPS4[:1]), SRC4, IPV4_GROUP, True, id="v2-auth0-one"),
    pytest.param(Advert(2, 51, 255, 3, VIPS4), SRC4, IPV4_GROUP, True, id="v2-auth0-owner"),
    pytest.param(
        Advert(2, 51, 0, 255, VIPS4[:1], 1, b"secret12"), SRC4, IPV4_GROUP, True, id="v2-pass-8"
    ),
    pytest.param(Advert(2, 7, 150, 1, VIPS4, 1, b"ab"), SRC4, IPV4_GROUP, True, id="v2-pass-short"),
    pytest.param(Advert(2, 7, 150, 1, VIPS4, 1, b""), SRC4, IPV4_GROUP, True, id="v2-pass-empty"),
    pytest.param(Advert(3, 255, 100, 100, VIPS4[:1]), SRC4, IPV4_GROUP, True, id="v3-ipv4-one"),
    pytest.param(Advert(3, 52, 0, 4095, VIPS4), SRC4, IPV4_GROUP, True, id="v3-ipv4-pseudo"),
    pytest.param(Advert(3, 52, 255, 1, VIPS4), SRC4, IPV4_GROUP, False, id="v3-ipv4-no-pseudo"),
    pytest.param(Advert(3, 54, 120, 100, VIPS4[:1]), SRC4, PEER4, True, id="v3-ipv4-unicast"),
    pytest.param(Advert(3, 53, 200, 100, VIPS6), SRC6, IPV6_GROUP, True, id="v3-ipv6"),
    pytest.param(Advert(3, 53, 0, 50, VIPS6[:1]), SRC6, IPV6_GROUP, True, id="v3-ipv6-one"),
    pytest.param(Advert(3, 53, 255, 100, VIPS6), SRC6, IPV6_GROUP, False, id="v3-ipv6-always-ps"),
]


@pytest.mark.parametrize(("advert", "src", "dst", "pseudo"), ROUND_TRIPS)
def test_encode_then_decode_gives_the_advert_back(advert, src, dst, pseudo):
    data = encode(advert, src, dst, pseudo_header=pseudo)
    if advert.version == 2:
        form = ChecksumForm.V2
    else:
        form = ChecksumForm.PSEUDO if pseudo or src.version == 6 else ChecksumForm.NO_PSEUDO
    assert decode(data, src, dst) == Advert(
        advert.version, advert.vrid, advert.priority, advert.interval, advert.addresses,
        advert.auth_type, advert.auth_data, form,
    )  # fmt: skip


def test_255_addresses_round_trip():
    addresses = tuple(IPv4Address(f"198.51.100.{i}") for i in range(255))
    advert = Advert(3, 9, 100, 100, addresses)
    data = encode(advert, SRC4, IPV4_GROUP)
    assert len(data) == 8 + 4 * 255
    assert decode(data, SRC4, IPV4_GROUP).addresses == addresses


# --- wire layout, byte for byte ----------------------------------------------------------


def test_v2_layout_matches_rfc3768():
    advert = Advert(2, 51, 150, 1, VIPS4[:2], 1, b"secret")
    expected = v2_packet(51, 150, 2, 1, 1, VIPS4[:2], b"secret\0\0")
    assert encode(advert, SRC4, IPV4_GROUP) == expected
    assert expected[:8] == bytes([0x21, 51, 150, 2, 1, 1]) + expected[6:8]


def test_v2_auth_none_sends_eight_zero_bytes():
    data = encode(Advert(2, 51, 100, 1, VIPS4[:1]), SRC4, IPV4_GROUP)
    assert data[-8:] == bytes(8) and len(data) == 20


def test_v2_pass_longer_than_eight_bytes_is_cut_like_keepalived():
    data = encode(Advert(2, 51, 100, 1, VIPS4[:1], 1, b"0123456789"), SRC4, IPV4_GROUP)
    assert data[-8:] == b"01234567"


def test_v3_ipv4_layout_matches_rfc5798_with_pseudo_header():
    advert = Advert(3, 52, 100, 50, VIPS4[:1])
    assert encode(advert, SRC4, IPV4_GROUP) == v3_packet(SRC4, IPV4_GROUP, 52, 100, 1, 50)


def test_v3_ipv4_without_pseudo_header_sums_the_message_only():
    advert = Advert(3, 52, 100, 50, VIPS4[:1])
    expected = v3_packet(SRC4, IPV4_GROUP, 52, 100, 1, 50, pseudo=False)
    assert encode(advert, SRC4, IPV4_GROUP, pseudo_header=False) == expected


def test_v3_ipv6_layout_uses_the_ipv6_pseudo_header_even_when_asked_not_to():
    advert = Advert(3, 53, 200, 100, VIPS6)
    expected = v3_packet(SRC6, IPV6_GROUP, 53, 200, 2, 100, VIPS6)
    assert encode(advert, SRC6, IPV6_GROUP) == expected
    assert encode(advert, SRC6, IPV6_GROUP, pseudo_header=False) == expected


def test_v3_unicast_checksum_covers_the_unicast_destination():
    advert = Advert(3, 54, 120, 100, VIPS4[:1])
    assert encode(advert, SRC4, PEER4) == v3_packet(SRC4, PEER4, 54, 120)
    assert encode(advert, SRC4, PEER4) != encode(advert, SRC4, IPV4_GROUP)


@pytest.mark.parametrize("size", [0, 1, 2, 7, 20, 21, 33, 256])
@pytest.mark.parametrize("fill", [0x00, 0xFF, 0x5A])
def test_internet_checksum_agrees_with_the_word_by_word_reference(size, fill):
    data = bytes([fill]) * size
    assert internet_checksum(data) == rfc1071(data)


def test_pad_password_pads_with_nul_and_cuts_at_eight():
    assert pad_password(b"ab") == b"ab\0\0\0\0\0\0"
    assert pad_password(b"0123456789") == b"01234567"


# --- what decode accepts -----------------------------------------------------------------


def test_v3_over_ipv4_without_pseudo_header_is_accepted_and_reported():
    data = v3_packet(SRC4, IPV4_GROUP, pseudo=False)
    assert decode(data, SRC4, IPV4_GROUP).checksum_form is ChecksumForm.NO_PSEUDO


def test_v3_reserved_bits_are_ignored_on_receive():
    data = v3_packet(SRC4, IPV4_GROUP, interval=0xF000 | 100)
    assert decode(data, SRC4, IPV4_GROUP).interval == 100


def test_v2_auth_data_is_ignored_for_auth_type_none():
    data = v2_packet(auth=b"garbage!")
    advert = decode(data, SRC4, IPV4_GROUP)
    assert (advert.auth_type, advert.auth_data) == (0, b"")


def test_v2_password_comes_back_without_padding():
    advert = decode(v2_packet(auth_type=1, auth=b"pw\0\0\0\0\0\0"), SRC4, IPV4_GROUP)
    assert (advert.auth_type, advert.auth_data) == (1, b"pw")


def test_decode_accepts_a_bytearray_receive_buffer():
    data = bytearray(v3_packet(SRC6, IPV6_GROUP, addresses=VIPS6))
    advert = decode(data, SRC6, IPV6_GROUP)
    assert advert.addresses == VIPS6 and isinstance(advert.auth_data, bytes)


def test_decode_refuses_mixed_families_as_a_caller_bug():
    with pytest.raises(ValueError) as caught:
        decode(v3_packet(SRC4, IPV4_GROUP), SRC4, IPV6_GROUP)
    assert not isinstance(caught.value, PacketError)


def test_decode_is_fast():
    data = encode(Advert(3, 52, 100, 100, VIPS4), SRC4, IPV4_GROUP)
    runs = 2000
    started = time.perf_counter()
    for _ in range(runs):
        decode(data, SRC4, IPV4_GROUP)
    per_packet = (time.perf_counter() - started) / runs
    assert per_packet < 100e-6  # measured ~5 µs; a generous ceiling for loaded CI machines


# --- every drop reason, from a crafted packet --------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\x31", v3_packet(SRC4, IPV4_GROUP)[:7]])
def test_short_shorter_than_the_fixed_header(data):
    assert reason_of(data) is DropReason.SHORT


def test_short_v2_without_room_for_auth_data():
    assert reason_of(v2_packet(count=0, addresses=())[:15]) is DropReason.SHORT


@pytest.mark.parametrize(
    ("data", "src", "dst"),
    [
        (v2_packet(addresses=()), SRC4, IPV4_GROUP),
        (v3_packet(SRC4, IPV4_GROUP, addresses=()), SRC4, IPV4_GROUP),
        (v3_packet(SRC6, IPV6_GROUP, addresses=()), SRC6, IPV6_GROUP),
    ],
    ids=["v2", "v3-ipv4", "v3-ipv6"],
)
def test_an_advert_without_addresses_is_ignored(data, src, dst):
    """RFC 9568 §5.2.5: Count IPvX Addr is at least 1; an advert with 0 MUST be ignored."""
    assert reason_of(data, src, dst) is DropReason.NO_ADDRESSES


def test_we_never_send_an_advert_without_addresses():
    with pytest.raises(ValueError, match="at least one address"):
        encode(Advert(3, 51, 100, 100, ()), SRC4, IPV4_GROUP)


@pytest.mark.parametrize("version", [0, 1, 4, 15])
def test_bad_version(version):
    data = v3_packet(SRC4, IPV4_GROUP, version_type=version << 4 | 1)
    assert reason_of(data) is DropReason.BAD_VERSION


def test_bad_version_v2_over_ipv6():
    data = v2_packet()
    assert reason_of(data, SRC6, IPV6_GROUP) is DropReason.BAD_VERSION


@pytest.mark.parametrize("packet_type", [0, 2, 15])
def test_bad_type(packet_type):
    assert reason_of(v3_packet(SRC4, IPV4_GROUP, version_type=0x30 | packet_type)) == "bad_type"
    assert reason_of(v2_packet(version_type=0x20 | packet_type)) is DropReason.BAD_TYPE


def test_bad_checksum_after_a_bit_flip():
    data = bytearray(v3_packet(SRC4, IPV4_GROUP))
    data[1] ^= 0x01
    assert reason_of(bytes(data)) is DropReason.BAD_CHECKSUM


def test_bad_checksum_when_the_source_differs_from_the_pseudo_header():
    assert reason_of(v3_packet(PEER4, IPV4_GROUP), SRC4) is DropReason.BAD_CHECKSUM


def test_bad_checksum_ipv6_must_use_the_pseudo_header():
    data = v3_packet(SRC6, IPV6_GROUP, addresses=VIPS6, pseudo=False)
    assert reason_of(data, SRC6, IPV6_GROUP) is DropReason.BAD_CHECKSUM


def test_bad_checksum_v2_never_uses_a_pseudo_header():
    header = struct.pack("!BBBBBBH", 0x21, 51, 100, 0, 0, 1, 0)
    data = with_checksum(header + bytes(8), pseudo_header(SRC4, IPV4_GROUP, 16))
    assert reason_of(data) is DropReason.BAD_CHECKSUM


@pytest.mark.parametrize("count", [0, 2, 255])
def test_count_mismatch_v3(count):
    data = v3_packet(SRC4, IPV4_GROUP, count=count, addresses=VIPS4[:1])
    assert reason_of(data) is DropReason.COUNT_MISMATCH


def test_count_mismatch_v2():
    assert reason_of(v2_packet(count=3, addresses=VIPS4[:2])) is DropReason.COUNT_MISMATCH


def test_count_mismatch_ipv6_counts_16_byte_addresses():
    data = v3_packet(SRC6, IPV6_GROUP, count=4, addresses=VIPS4)  # 16 bytes = 4 IPv4 addresses
    assert reason_of(data, SRC6, IPV6_GROUP) is DropReason.COUNT_MISMATCH


@pytest.mark.parametrize("trailer", [b"\0\0", bytes(8), b"\x01\x02\x03\x04"])
def test_count_mismatch_on_trailing_bytes_even_with_a_valid_checksum(trailer):
    data = v3_packet(SRC4, IPV4_GROUP, trailer=trailer)
    assert reason_of(data) is DropReason.COUNT_MISMATCH


def test_count_mismatch_on_trailing_bytes_after_v2_auth_data():
    assert reason_of(v2_packet(auth=bytes(12))) is DropReason.COUNT_MISMATCH


def test_bad_interval_v2():
    assert reason_of(v2_packet(interval=0)) is DropReason.BAD_INTERVAL


@pytest.mark.parametrize("field", [0x0000, 0xF000])
def test_bad_interval_v3_even_with_reserved_bits_set(field):
    data = v3_packet(SRC6, IPV6_GROUP, interval=field, addresses=VIPS6)
    assert reason_of(data, SRC6, IPV6_GROUP) is DropReason.BAD_INTERVAL


def test_auth_mismatch_wrong_password():
    advert = decode(v2_packet(auth_type=1, auth=b"secret12"), SRC4, IPV4_GROUP)
    check_auth(advert, 1, b"secret12")
    with pytest.raises(PacketError) as caught:
        check_auth(advert, 1, b"secret13")
    assert caught.value.reason is DropReason.AUTH_MISMATCH


def test_auth_mismatch_compares_the_padded_eight_bytes():
    advert = decode(v2_packet(auth_type=1, auth=b"secret12"), SRC4, IPV4_GROUP)
    check_auth(advert, 1, b"secret12-and-more")  # keepalived also keeps only 8 bytes
    with pytest.raises(PacketError, match="auth_mismatch"):
        check_auth(advert, 1, b"secret1")


@pytest.mark.parametrize(("sent", "configured"), [(0, 1), (1, 0), (2, 1)])
def test_auth_mismatch_wrong_type(sent, configured):
    advert = decode(v2_packet(auth_type=sent, auth=b"secret12"), SRC4, IPV4_GROUP)
    with pytest.raises(PacketError) as caught:
        check_auth(advert, configured, b"secret12")
    assert caught.value.reason is DropReason.AUTH_MISMATCH


def test_auth_of_v3_passes_only_without_authentication():
    advert = decode(v3_packet(SRC4, IPV4_GROUP), SRC4, IPV4_GROUP)
    check_auth(advert, 0, b"")
    with pytest.raises(PacketError, match="auth_mismatch"):
        check_auth(advert, 1, b"secret12")


def test_check_auth_refuses_auth_types_it_cannot_check():
    advert = decode(v2_packet(auth_type=2), SRC4, IPV4_GROUP)
    with pytest.raises(ValueError, match="cannot check auth type 2"):
        check_auth(advert, 2, b"")


# --- encode refuses what cannot be sent --------------------------------------------------

BAD_ADVERTS = [
    pytest.param(Advert(1, 51, 100, 1, ()), SRC4, IPV4_GROUP, "version", id="version-1"),
    pytest.param(Advert(2, 51, 100, 1, ()), SRC6, IPV6_GROUP, "IPv4 only", id="v2-over-ipv6"),
    pytest.param(Advert(3, 0, 100, 1, ()), SRC4, IPV4_GROUP, "vrid", id="vrid-0"),
    pytest.param(Advert(3, 256, 100, 1, ()), SRC4, IPV4_GROUP, "vrid", id="vrid-256"),
    pytest.param(Advert(3, 1, -1, 1, ()), SRC4, IPV4_GROUP, "priority", id="priority-neg"),
    pytest.param(Advert(3, 1, 256, 1, ()), SRC4, IPV4_GROUP, "priority", id="priority-256"),
    pytest.param(Advert(3, 1, 100, 0, ()), SRC4, IPV4_GROUP, "interval", id="v3-interval-0"),
    pytest.param(Advert(3, 1, 100, 4096, ()), SRC4, IPV4_GROUP, "interval", id="v3-interval-big"),
    pytest.param(Advert(2, 1, 100, 0, ()), SRC4, IPV4_GROUP, "interval", id="v2-interval-0"),
    pytest.param(Advert(2, 1, 100, 256, ()), SRC4, IPV4_GROUP, "interval", id="v2-interval-big"),
    pytest.param(Advert(3, 1, 100, 1, VIPS6), SRC4, IPV4_GROUP, "family", id="v6-vip-v4-src"),
    pytest.param(Advert(3, 1, 100, 1, VIPS4), SRC6, IPV6_GROUP, "family", id="v4-vip-v6-src"),
    pytest.param(Advert(3, 1, 100, 1, ()), SRC4, IPV4_GROUP, "at least one", id="no-address"),
    pytest.param(Advert(3, 1, 100, 1, ()), SRC4, IPV6_GROUP, "one family", id="mixed-src-dst"),
    pytest.param(Advert(3, 1, 100, 1, ()), "192.0.2.1", IPV4_GROUP, "one family", id="str-src"),
    pytest.param(
        Advert(3, 1, 100, 1, (IPv4Address("192.0.2.9"),) * 256),
        SRC4,
        IPV4_GROUP,
        "at most 255",
        id="256-addresses",
    ),  # fmt: skip
    pytest.param(Advert(3, 1, 100, 1.5, ()), SRC4, IPV4_GROUP, "must be int", id="float-interval"),
    pytest.param(Advert(3, True, 100, 1, ()), SRC4, IPV4_GROUP, "must be int", id="bool-vrid"),
    pytest.param(Advert(2, 1, 100, 1, (), 1, "pw"), SRC4, IPV4_GROUP, "bytes", id="str-password"),
    pytest.param(Advert(3, 1, 100, 1, (), 1, b"pw"), SRC4, IPV4_GROUP, "v3", id="v3-auth"),
    pytest.param(Advert(2, 1, 100, 1, (), 2, b""), SRC4, IPV4_GROUP, "auth type", id="v2-ah"),
    pytest.param(Advert(2, 1, 100, 1, (), 0, b"pw"), SRC4, IPV4_GROUP, "auth type 0", id="data-0"),
]


@pytest.mark.parametrize(("advert", "src", "dst", "message"), BAD_ADVERTS)
def test_encode_refuses_an_invalid_advert(advert, src, dst, message):
    with pytest.raises(ValueError, match=message):
        encode(advert, src, dst)
