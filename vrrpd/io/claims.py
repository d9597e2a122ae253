"""Who claims an address on the LAN: ARP and Neighbor Advertisement frames, in and out.

Split-brain detection (vrrpd.protocol.split_brain) needs to see another host announce or answer for
one of our VIPs, which no IP socket shows. So, per interface and family, one AF_PACKET
socket bound to one ethertype (ETH_P_ARP or ETH_P_IPV6, never ETH_P_ALL: an ETH_P_ALL tap
would make the kernel clone every frame the router transmits) with a classic BPF filter that
keeps only the frames that claim an address:

* ARP replies, and requests whose sender IP equals the target IP (gratuitous ARP). Ordinary
  requests, the bulk of ARP traffic, never reach user space.
* ICMPv6 Neighbor Advertisements (IPv6 next header 58, type 136). NAs carrying extension
  headers are not seen: RFC 4861 neighbour discovery does not use them.

Parsing and frame building use struct only (no scapy on the receive path; the tests use
scapy as the oracle). The probe frames ask "who has this address?" so that a host holding
it answers: an ARP request sent from our primary address (never from the VIP, so no
client's neighbour entry moves) or a Neighbor Solicitation with our source link-layer option.
"""

from __future__ import annotations

import ctypes
import errno
import socket
import struct
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from vrrpd.io.errors import InterfaceMissing, NeedPrivilege, SocketFailed
from vrrpd.protocol.packet import internet_checksum  # the one RFC 1071 sum

ETH_P_ARP = 0x0806
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26
SNAP = 128  # bytes kept per frame: an ARP frame is 42, an NA with its option 86
ICMPV6 = 58
NEIGHBOR_SOLICIT = 135
NEIGHBOR_ADVERT = 136
ND_HOP_LIMIT = 255
BROADCAST = b"\xff" * 6
_MAX_SKIPPED = 64  # frames recv() may skip per call, so a flood cannot hold the loop

IPAddress = IPv4Address | IPv6Address


@dataclass(frozen=True, slots=True)
class Claim:
    """`mac` says it holds `address`: a gratuitous ARP, an ARP reply or a Neighbor Advert."""

    address: IPAddress
    mac: str  # aa:bb:cc:dd:ee:ff, from the ARP sender / NA target link-layer address
    kind: str  # "garp", "arp-reply" or "na"


# -- parsing ---------------------------------------------------------------------------------


def parse_arp(frame: bytes) -> Claim | None:
    """The claim in an Ethernet ARP frame, or None when it claims nothing / is malformed."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", frame, 14)
    if (htype, ptype, hlen, plen) != (1, 0x0800, 6, 4) or op not in (1, 2):
        return None
    sha, sip, tip = frame[22:28], frame[28:32], frame[38:42]
    if op == 1 and sip != tip:
        return None  # an ordinary request asks, it claims nothing
    if sip == b"\0\0\0\0" or not _station(sha):
        return None  # an RFC 5227 probe, or a bogus sender
    return Claim(IPv4Address(sip), format_mac(sha), "garp" if op == 1 else "arp-reply")


def parse_na(frame: bytes) -> Claim | None:
    """The claim in an Ethernet ICMPv6 Neighbor Advertisement, or None when invalid.

    RFC 4861 §7.1.2 validity: hop limit 255, code 0, length >= 24, a valid checksum, a
    non-multicast target, no option of length 0. The claimant is the target link-layer
    address option when present, else the Ethernet source (solicited NAs to a unicast
    solicitation carry no option on Linux).
    """
    if len(frame) < 78 or frame[12:14] != b"\x86\xdd" or frame[14] >> 4 != 6:
        return None
    (payload_len,) = struct.unpack_from("!H", frame, 18)
    if frame[20] != ICMPV6 or frame[21] != ND_HOP_LIMIT:
        return None
    icmp = frame[54 : 54 + payload_len]
    if len(icmp) < 24 or len(icmp) != payload_len or icmp[0] != NEIGHBOR_ADVERT or icmp[1]:
        return None
    if internet_checksum(_pseudo_header(frame[22:38], frame[38:54], len(icmp)) + icmp) != 0:
        return None
    target = IPv6Address(icmp[8:24])
    if target.is_multicast:
        return None
    mac = frame[6:12]
    offset = 24
    while offset + 2 <= len(icmp):
        kind, units = icmp[offset], icmp[offset + 1]
        if units == 0 or offset + units * 8 > len(icmp):
            return None
        if kind == 2 and units == 1:
            mac = icmp[offset + 2 : offset + 8]
        offset += units * 8
    if not _station(mac):
        return None
    return Claim(target, format_mac(mac), "na")


# -- building ------------------------------------------------------------------------------


def probe_frame(src_mac: str, src_ip: IPAddress, target: IPAddress, dst_mac: str | None) -> bytes:
    """Ask "who has `target`?"; `dst_mac` None asks the whole link, else only that host."""
    if isinstance(target, IPv4Address) and isinstance(src_ip, IPv4Address):
        return arp_probe(src_mac, src_ip, target, dst_mac)
    if isinstance(target, IPv6Address) and isinstance(src_ip, IPv6Address):
        return ns_probe(src_mac, src_ip, target, dst_mac)
    raise TypeError(f"probe for {target!r} from {src_ip!r}: addresses of one family needed")


def arp_probe(
    src_mac: str, src_ip: IPv4Address, target: IPv4Address, dst_mac: str | None = None
) -> bytes:
    """An ARP request for `target` from `src_ip` (not the target: clients' entries stay)."""
    mac = parse_mac(src_mac)
    dst = BROADCAST if dst_mac is None else parse_mac(dst_mac)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1)
    arp += mac + src_ip.packed + b"\0" * 6 + target.packed
    return dst + mac + b"\x08\x06" + arp


def ns_probe(
    src_mac: str, src_ip: IPv6Address, target: IPv6Address, dst_mac: str | None = None
) -> bytes:
    """A Neighbor Solicitation for `target` with our source link-layer address option.

    Without `dst_mac` it goes to the target's solicited-node group (as address resolution
    does); with it, unicast to the target address at that MAC (as a reachability probe does).
    """
    mac = parse_mac(src_mac)
    if dst_mac is None:
        dst_ip = IPv6Address("ff02::1:ff00:0").packed[:13] + target.packed[13:]
        dst = b"\x33\x33" + dst_ip[12:]
    else:
        dst_ip, dst = target.packed, parse_mac(dst_mac)
    body = bytes([1, 1]) + mac  # source link-layer address option
    icmp = bytes([NEIGHBOR_SOLICIT, 0, 0, 0]) + b"\0" * 4 + target.packed + body
    checksum = internet_checksum(_pseudo_header(src_ip.packed, dst_ip, len(icmp)) + icmp)
    icmp = icmp[:2] + struct.pack("!H", checksum) + icmp[4:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), ICMPV6, ND_HOP_LIMIT) + src_ip.packed + dst_ip
    return dst + mac + b"\x86\xdd" + ip6 + icmp


def parse_mac(text: str) -> bytes:
    """`aa:bb:cc:dd:ee:ff` as 6 bytes of a unicast station (ValueError otherwise)."""
    parts = text.split(":") if isinstance(text, str) else []
    try:
        raw = bytes(int(p, 16) for p in parts if len(p) == 2)
    except ValueError:
        raw = b""
    if len(raw) != 6 or len(parts) != 6 or not _station(raw):
        raise ValueError(f"{text!r} is not the MAC address of a station")
    return raw


def format_mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _station(mac: bytes) -> bool:
    return len(mac) == 6 and not mac[0] & 1 and mac != b"\0" * 6


def _pseudo_header(src: bytes, dst: bytes, length: int) -> bytes:
    return src + dst + struct.pack("!I3xB", length, ICMPV6)


# -- the socket ------------------------------------------------------------------------------


def _bpf(*instructions: tuple[int, int, int, int]) -> bytes:
    return b"".join(struct.pack("=HBBI", *ins) for ins in instructions)


_LDH, _LDW, _LDB, _TAX = 0x28, 0x20, 0x30, 0x07  # ld half/word/byte at absolute offset; A -> X
_JEQ_K, _JEQ_X, _RET = 0x15, 0x1D, 0x06
# ARP: accept replies, and requests whose sender IP equals the target IP.
ARP_FILTER = _bpf(
    (_LDH, 0, 0, 20),  # 0: A = opcode
    (_JEQ_K, 5, 0, 2),  # 1: reply -> accept (7)
    (_JEQ_K, 0, 5, 1),  # 2: not a request -> drop (8)
    (_LDW, 0, 0, 28),  # 3: A = sender IP
    (_TAX, 0, 0, 0),  # 4: X = A
    (_LDW, 0, 0, 38),  # 5: A = target IP
    (_JEQ_X, 0, 1, 0),  # 6: sender == target -> accept (7), else drop (8)
    (_RET, 0, 0, SNAP),  # 7: accept
    (_RET, 0, 0, 0),  # 8: drop
)
# IPv6: accept ICMPv6 (next header 58, no extension headers) of type 136.
NA_FILTER = _bpf(
    (_LDB, 0, 0, 20),  # 0: A = next header
    (_JEQ_K, 0, 3, ICMPV6),  # 1: not ICMPv6 -> drop (5)
    (_LDB, 0, 0, 54),  # 2: A = ICMPv6 type
    (_JEQ_K, 0, 1, NEIGHBOR_ADVERT),  # 3: not an NA -> drop (5)
    (_RET, 0, 0, SNAP),  # 4: accept
    (_RET, 0, 0, 0),  # 5: drop
)


class ClaimSocket:
    """Non-blocking AF_PACKET socket that reports address claims seen on one interface.

    `family` 4 watches ARP, 6 watches Neighbor Advertisements. Use with loop.add_reader().
    """

    def __init__(self, ifname: str, ifindex: int, family: int) -> None:
        if family not in (4, 6):
            raise ValueError(f"family must be 4 or 6, not {family!r}")
        if ifindex <= 0:
            raise ValueError(f"interface index must be positive, not {ifindex}")
        self.ifname = ifname
        self.ifindex = ifindex
        self.family = family
        self._parse = parse_arp if family == 4 else parse_na
        ethertype = ETH_P_ARP if family == 4 else ETH_P_IPV6
        program = ARP_FILTER if family == 4 else NA_FILTER
        try:
            # Protocol 0 receives nothing until bind(): no unfiltered frame slips in first.
            self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EACCES):
                raise NeedPrivilege("opening the AF_PACKET socket for ARP/NA") from exc
            raise SocketFailed("opening the AF_PACKET socket", exc.errno, exc.strerror) from exc
        try:
            self._filter = ctypes.create_string_buffer(program)  # must outlive the setsockopt
            fprog = struct.pack("HP", len(program) // 8, ctypes.addressof(self._filter))
            self._sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
            self._sock.bind((ifname, ethertype))
            self._sock.setblocking(False)
        except OSError as exc:
            self._sock.close()
            if exc.errno in (errno.ENODEV, errno.ENXIO):
                raise InterfaceMissing(ifname) from exc
            raise SocketFailed(f"watching ARP/NA on {ifname}", exc.errno, exc.strerror) from exc

    def fileno(self) -> int:
        return self._sock.fileno()

    def recv(self) -> Claim | None:
        """The next claim waiting, or None when none is (at most _MAX_SKIPPED frames read)."""
        for _ in range(_MAX_SKIPPED + 1):
            try:
                frame, address = self._sock.recvfrom(SNAP)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                    return None
                raise SocketFailed(f"receiving on {self.ifname}", exc.errno, exc.strerror) from exc
            if address[2] == PACKET_OUTGOING:
                continue
            claim = self._parse(frame)
            if claim is not None:
                return claim
        return None

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> ClaimSocket:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
