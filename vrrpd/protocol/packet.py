"""VRRP advertisement codec (RFC 3768 v2, RFC 5798 v3), pure `struct`, no I/O.

`encode` builds the VRRP message (the IP payload; the kernel writes the IP header of a raw
proto-112 socket) and `decode` validates one.  Both work on the payload alone, so the caller
passes the IP source and destination: the v3 checksum covers a pseudo-header made of them.

Received length policy: the message must be exactly as long as its address count says
(v2: 8 + 4n + 8 auth bytes; v3: 8 + 4n for IPv4, 8 + 16n for IPv6).  Trailing bytes are
rejected as COUNT_MISMATCH.  A raw socket hands us exactly the IP payload (link-layer padding
is already cut off by the IP total length), so extra bytes are a sender bug; keepalived and
FRR drop such packets too, and the checksum length would otherwise be ambiguous.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from vrrpd.protocol.vocabulary import DropReason as DropReason  # re-exported: PacketError.reason

IPAddress = IPv4Address | IPv6Address

VRRP_PROTOCOL = 112  # IP protocol / IPv6 next-header number
IPV4_GROUP = IPv4Address("224.0.0.18")
IPV6_GROUP = IPv6Address("ff02::12")
ADVERTISEMENT = 1  # the only VRRP packet type
AUTH_NONE = 0
AUTH_PASS = 1  # RFC 3768 §5.3.6.1 simple text password (deprecated but used in the wild)
AUTH_DATA_LEN = 8
V2_MAX_INTERVAL = 0xFF  # whole seconds, 8 bits
V3_MAX_INTERVAL = 0x0FFF  # centiseconds, 12 bits
MAX_ADDRESSES = 0xFF


class ChecksumForm(enum.StrEnum):
    """Which checksum a received packet carried (reported in counters)."""

    V2 = "v2"  # RFC 3768: over the VRRP message only
    PSEUDO = "pseudo"  # RFC 5798: with the IPv4/IPv6 pseudo-header
    NO_PSEUDO = "no_pseudo"  # RFC 9568 / some vendors: v3 over IPv4 without pseudo-header


class PacketError(ValueError):
    """The one error decode() raises; `reason` is a DropReason."""

    def __init__(self, reason: DropReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Advert:
    """One VRRP advertisement, version-neutral.

    `interval` is in the packet's own unit: centiseconds for v3 (Max Adver Int, 12 bits),
    whole seconds for v2 (Adver Int, 8 bits).  `auth_data` is the v2 password without its
    NUL padding (b"" for auth type 0 and for v3).
    """

    version: int
    vrid: int
    priority: int
    interval: int
    addresses: tuple[IPAddress, ...]
    auth_type: int = 0
    auth_data: bytes = b""
    checksum_form: ChecksumForm | None = None


# Fixed 8-byte header.  v2: ver/type, vrid, priority, count, auth type, adver int, checksum.
# v3: ver/type, vrid, priority, count, rsvd(4) + max adver int(12), checksum.
_V2_HEADER = struct.Struct("!BBBBBBH")
_V3_HEADER = struct.Struct("!BBBBHH")
_V2_ADVERTISEMENT = 2 << 4 | ADVERTISEMENT  # the version/type byte
_V3_ADVERTISEMENT = 3 << 4 | ADVERTISEMENT
_HEADER_LEN = 8
_CHECKSUM_OFFSET = 6
_V2_FIXED_LEN = _HEADER_LEN + AUTH_DATA_LEN
_IPV4_LEN = 4
_IPV6_LEN = 16
# One precompiled layout per possible IPv4 address count: decode unpacks the list in one call.
_IPV4_LISTS = tuple(struct.Struct(f"!{count}I") for count in range(MAX_ADDRESSES + 1))


def pad_password(password: bytes) -> bytes:
    """The 8-byte v2 Authentication Data for a PASS password (NUL-padded, cut at 8 like
    keepalived does with longer passwords)."""
    return password[:AUTH_DATA_LEN].ljust(AUTH_DATA_LEN, b"\0")


def internet_checksum(data: bytes, pseudo_sum: int = 0) -> int:
    """RFC 1071 checksum of `data` plus an already-summed pseudo-header; 0 means "verifies"
    when `data` carries its checksum.

    Because 2**16 == 1 (mod 0xFFFF), the one's-complement sum of 16-bit words is the whole
    buffer read as one big integer, modulo 0xFFFF (a non-zero multiple of 0xFFFF sums to
    0xFFFF, "negative zero").  One `int.from_bytes` beats a Python loop over words by far.
    """
    total = int.from_bytes(data, "big")
    if len(data) & 1:
        total <<= 8  # an odd last byte is the high half of a zero-padded word
    total += pseudo_sum
    if not total:
        return 0xFFFF
    folded = total % 0xFFFF
    return 0xFFFF - folded if folded else 0


def _pseudo_sum(src: IPAddress, dst: IPAddress, length: int) -> int:
    """Sum (mod 0xFFFF) of the IPv4 or IPv6 pseudo-header words for a VRRP message.

    IPv4: src, dst, zero + protocol, 16-bit length.  IPv6 (RFC 8200 §8.1): src, dst,
    32-bit upper-layer length, 3 zero bytes + next header.  Either way it is the addresses
    as integers plus the protocol plus the length.
    """
    return int(src) + int(dst) + VRRP_PROTOCOL + length


def encode(advert: Advert, src: IPAddress, dst: IPAddress, *, pseudo_header: bool = True) -> bytes:
    """The VRRP message for `advert` sent from `src` to `dst`, checksum filled in.

    `pseudo_header=False` only matters for v3 over IPv4 (RFC 9568 / vendor form); v2 never
    uses one and IPv6 always does.  Raises ValueError for an advert that cannot be sent.
    """
    _validate(advert, src, dst)
    fields = (advert.vrid, advert.priority, len(advert.addresses))
    body = b"".join(address.packed for address in advert.addresses)
    if advert.version == 2:
        # Auth type 0 has empty auth_data (validated), which pads to the 8 zero bytes it needs.
        header = _V2_HEADER.pack(_V2_ADVERTISEMENT, *fields, advert.auth_type, advert.interval, 0)
        message = header + body + pad_password(advert.auth_data)
        checksum = internet_checksum(message)
    else:
        message = _V3_HEADER.pack(_V3_ADVERTISEMENT, *fields, advert.interval, 0) + body
        use_pseudo = pseudo_header or src.version == 6
        pseudo = _pseudo_sum(src, dst, len(message)) if use_pseudo else 0
        checksum = internet_checksum(message, pseudo)
    return message[:_CHECKSUM_OFFSET] + checksum.to_bytes(2, "big") + message[_HEADER_LEN:]


def _validate(advert: Advert, src: IPAddress, dst: IPAddress) -> None:
    """Refuse anything a peer would drop or the wire format cannot carry."""
    if not isinstance(src, IPv4Address | IPv6Address) or type(src) is not type(dst):
        raise ValueError(f"src {src!r} and dst {dst!r} must be addresses of one family")
    numbers = (advert.version, advert.vrid, advert.priority, advert.interval, advert.auth_type)
    if any(type(number) is not int for number in numbers):
        raise ValueError(f"version, vrid, priority, interval and auth type must be int: {numbers}")
    if not isinstance(advert.auth_data, bytes):
        raise ValueError(f"auth_data must be bytes, not {type(advert.auth_data).__name__}")
    if advert.version not in (2, 3):
        raise ValueError(f"version must be 2 or 3, not {advert.version}")
    if advert.version == 2 and src.version == 6:
        raise ValueError("VRRPv2 is IPv4 only (RFC 3768)")
    if not 1 <= advert.vrid <= 255:
        raise ValueError(f"vrid must be 1..255, not {advert.vrid}")
    if not 0 <= advert.priority <= 255:
        raise ValueError(f"priority must be 0..255, not {advert.priority}")
    limit = V2_MAX_INTERVAL if advert.version == 2 else V3_MAX_INTERVAL
    if not 1 <= advert.interval <= limit:
        raise ValueError(f"v{advert.version} interval must be 1..{limit}, not {advert.interval}")
    if len(advert.addresses) > MAX_ADDRESSES:
        raise ValueError(f"at most {MAX_ADDRESSES} addresses, not {len(advert.addresses)}")
    for address in advert.addresses:
        if type(address) is not type(src):
            raise ValueError(f"address {address!r} is not of the family of src {src}")
    if advert.version == 3 and (advert.auth_type != AUTH_NONE or advert.auth_data):
        raise ValueError("VRRPv3 has no authentication (RFC 5798 §9)")
    if advert.auth_type not in (AUTH_NONE, AUTH_PASS):
        raise ValueError(f"auth type must be 0 (none) or 1 (PASS), not {advert.auth_type}")
    if advert.auth_type == AUTH_NONE and advert.auth_data:
        raise ValueError("auth_data given with auth type 0")
    if not advert.addresses:
        raise ValueError("an advert carries at least one address (RFC 9568 §5.2.5)")


def decode(data: bytes, src: IPAddress, dst: IPAddress) -> Advert:
    """Validate one received VRRP message and return it as an Advert.

    The family comes from `src`.  Raises PacketError for every bad packet (checks in the
    order of RFC 5798 §7.1: version, type, length, checksum, then the interval and the
    address count, which RFC 9568 §5.2.5 says must not be 0); raises
    ValueError only if the caller mixes families in `src`/`dst`, which no packet can cause.
    """
    if type(src) is not type(dst):
        raise ValueError(f"src {src!r} and dst {dst!r} must be of one family")
    if type(data) is not bytes:
        data = bytes(data)  # a bytearray or memoryview from a receive buffer
    size = len(data)
    if size < _HEADER_LEN:
        raise PacketError(DropReason.SHORT, f"{size} bytes, header needs {_HEADER_LEN}")
    version = data[0] >> 4
    ipv6 = src.version == 6
    if version == 3:
        return _decode_v3(data, src, dst, ipv6)
    if version == 2 and not ipv6:
        return _decode_v2(data)
    if version == 2:
        raise PacketError(DropReason.BAD_VERSION, "VRRPv2 over IPv6")
    raise PacketError(DropReason.BAD_VERSION, f"version {version}")


def _decode_v2(data: bytes) -> Advert:
    size = len(data)
    if size < _V2_FIXED_LEN:
        raise PacketError(DropReason.SHORT, f"{size} bytes, v2 needs {_V2_FIXED_LEN}")
    version_type, vrid, priority, count, auth_type, interval, _ = _V2_HEADER.unpack_from(data)
    _check_type(version_type)
    expected = _V2_FIXED_LEN + _IPV4_LEN * count
    if size != expected:
        raise PacketError(
            DropReason.COUNT_MISMATCH, f"{count} addresses need {expected} bytes, got {size}"
        )
    if internet_checksum(data) != 0:
        raise PacketError(DropReason.BAD_CHECKSUM, "v2 checksum")
    if interval == 0:
        raise PacketError(DropReason.BAD_INTERVAL, "advertisement interval 0")
    if count == 0:
        raise PacketError(DropReason.NO_ADDRESSES, "address count 0")
    addresses = _ipv4_addresses(data, count)
    auth_data = data[-AUTH_DATA_LEN:].rstrip(b"\0") if auth_type != AUTH_NONE else b""
    return Advert(2, vrid, priority, interval, addresses, auth_type, auth_data, ChecksumForm.V2)


def _decode_v3(data: bytes, src: IPAddress, dst: IPAddress, ipv6: bool) -> Advert:
    version_type, vrid, priority, count, reserved_interval, _ = _V3_HEADER.unpack_from(data)
    _check_type(version_type)
    size = len(data)
    expected = _HEADER_LEN + (_IPV6_LEN if ipv6 else _IPV4_LEN) * count
    if size != expected:
        raise PacketError(
            DropReason.COUNT_MISMATCH, f"{count} addresses need {expected} bytes, got {size}"
        )
    if internet_checksum(data, _pseudo_sum(src, dst, size)) == 0:
        form = ChecksumForm.PSEUDO
    elif not ipv6 and internet_checksum(data) == 0:
        form = ChecksumForm.NO_PSEUDO
    else:
        raise PacketError(DropReason.BAD_CHECKSUM, "v3 checksum")
    interval = reserved_interval & V3_MAX_INTERVAL  # the 4 reserved bits are ignored
    if interval == 0:
        raise PacketError(DropReason.BAD_INTERVAL, "max advertisement interval 0")
    if count == 0:
        raise PacketError(DropReason.NO_ADDRESSES, "address count 0")
    addresses = _ipv6_addresses(data, count) if ipv6 else _ipv4_addresses(data, count)
    return Advert(3, vrid, priority, interval, addresses, 0, b"", form)


def _check_type(version_type: int) -> None:
    if version_type & 0x0F != ADVERTISEMENT:
        raise PacketError(DropReason.BAD_TYPE, f"type {version_type & 0x0F}")


def _ipv4_addresses(data: bytes, count: int) -> tuple[IPAddress, ...]:
    return tuple(map(IPv4Address, _IPV4_LISTS[count].unpack_from(data, _HEADER_LEN)))


def _ipv6_addresses(data: bytes, count: int) -> tuple[IPAddress, ...]:
    return tuple(
        IPv6Address(data[offset : offset + _IPV6_LEN])
        for offset in range(_HEADER_LEN, _HEADER_LEN + _IPV6_LEN * count, _IPV6_LEN)
    )


def check_auth(advert: Advert, auth_type: int, password: bytes) -> None:
    """Apply the configured v2 authentication to a decoded advert (RFC 3768 §7.1).

    The auth type must match; for PASS the 8-byte NUL-padded passwords must be equal.
    A v3 advert carries auth type 0, so it passes only an instance configured without
    authentication.  Raises PacketError(AUTH_MISMATCH); ValueError for an auth type we
    cannot check (IPsec AH is not supported).
    """
    if auth_type not in (AUTH_NONE, AUTH_PASS):
        raise ValueError(f"cannot check auth type {auth_type}; only 0 (none) and 1 (PASS)")
    if advert.auth_type != auth_type:
        raise PacketError(
            DropReason.AUTH_MISMATCH, f"auth type {advert.auth_type}, expected {auth_type}"
        )
    if auth_type == AUTH_PASS and pad_password(advert.auth_data) != pad_password(password):
        raise PacketError(DropReason.AUTH_MISMATCH, "password differs")
