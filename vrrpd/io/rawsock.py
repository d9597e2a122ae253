"""Raw IP protocol 112 socket: the wire for VRRP advertisements on one interface.

One socket per (interface, address family). The kernel builds the IP header; we pick the
source address per packet with IP_PKTINFO / IPV6_PKTINFO instead of bind(), because a raw
socket bound to an address only receives packets sent to that address (adverts go to the
multicast group). TTL / hop limit 255 is set for both multicast and unicast so receivers can
apply the RFC 5798 §5.1.1.3 check (a unicast advert to a routed peer may carry less, per
packet: `unicast_ttl`); we report the received TTL and leave dropping to the driver.
IPV6_CHECKSUM is deliberately not set: the codec computes and checks the VRRP checksum
(it knows src/dst), so a bad checksum is counted instead of silently dropped by the kernel.
"""

from __future__ import annotations

import errno
import socket
import struct
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address

from vrrpd.io.errors import InterfaceMissing, NeedPrivilege, SendFailed, SocketFailed

IPPROTO_VRRP = 112
VRRP_GROUP_V4 = IPv4Address("224.0.0.18")
VRRP_GROUP_V6 = IPv6Address("ff02::12")
VRRP_TTL = 255

# Linux values missing from Python 3.11's socket module.
IP_PKTINFO = 8
IP_MULTICAST_ALL = 49

_RECV_BUFFER = 65535  # one IP datagram at most; a VRRP message is far smaller
_MAX_SKIPPED = 64
_MAX_ROUTES = 256  # (dst, src) pairs kept for sendmsg; more only with many unicast peers
_MAX_ADDRESSES = 4096  # packed -> address objects kept for received packets
_ADDRESSES: dict[bytes, IPv4Address] = {}
_ANCILLARY_V6 = socket.CMSG_SPACE(20) + socket.CMSG_SPACE(4)  # in6_pktinfo + hop limit
_NO_DATA = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)
_PRIVILEGE = (errno.EPERM, errno.EACCES)
_NO_DEVICE = (errno.ENODEV, errno.ENXIO)

IPAddress = IPv4Address | IPv6Address


@dataclass(frozen=True, slots=True)
class Received:
    """One datagram as the kernel delivered it: addresses, TTL / hop limit, VRRP bytes."""

    src: IPAddress
    dst: IPAddress
    ttl: int
    payload: bytes


class VrrpSocket:
    """Non-blocking raw VRRP socket bound to one interface; use with loop.add_reader().

    join_multicast=False is for unicast peers: such a socket never reports multicast
    datagrams, even when another socket on the host joined the group (IPv4: the kernel
    filters with IP_MULTICAST_ALL=0; IPv6 raw sockets ignore IPV6_MULTICAST_ALL, so recv()
    drops them).
    """

    def __init__(
        self, ifname: str, ifindex: int, family: int, *, join_multicast: bool = True
    ) -> None:
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise ValueError(f"family must be AF_INET or AF_INET6, not {family!r}")
        if not ifname or len(ifname.encode()) >= 16 or "/" in ifname or "\0" in ifname:
            raise ValueError(f"invalid interface name {ifname!r}")
        if ifindex <= 0:
            raise ValueError(f"interface index must be positive, not {ifindex}")
        self.ifname = ifname
        self.ifindex = ifindex
        self.family = family
        self.joined = join_multicast
        self._buffer = bytearray(_RECV_BUFFER)
        self._routes: dict[tuple[IPAddress, IPAddress, int], tuple[list, tuple]] = {}
        try:
            self._sock = socket.socket(family, socket.SOCK_RAW, IPPROTO_VRRP)
        except OSError as exc:
            if exc.errno in _PRIVILEGE:
                raise NeedPrivilege("opening the raw VRRP socket") from exc
            raise SocketFailed("opening the raw VRRP socket", exc.errno, exc.strerror) from exc
        try:
            self._configure(join_multicast)
        except BaseException:
            self._sock.close()
            raise

    def _configure(self, join_multicast: bool) -> None:
        sock = self._sock
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, self.ifname.encode())
        except OSError as exc:
            if exc.errno in _NO_DEVICE:
                raise InterfaceMissing(self.ifname) from exc
            raise SocketFailed(f"binding to {self.ifname}", exc.errno, exc.strerror) from exc
        actual_index = _index_of(self.ifname)
        if actual_index != self.ifindex:
            raise InterfaceMissing(
                self.ifname,
                f"expected index {self.ifindex}, kernel has {actual_index}: re-created?",
            )
        sock.setblocking(False)
        if self.family == socket.AF_INET:
            mreqn = struct.pack("=4s4si", VRRP_GROUP_V4.packed, b"\0" * 4, self.ifindex)
            self._setopt("IP_MULTICAST_IF", socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)
            self._setopt("IP_MULTICAST_TTL", socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, VRRP_TTL)
            self._setopt("IP_TTL", socket.IPPROTO_IP, socket.IP_TTL, VRRP_TTL)
            self._setopt("IP_MULTICAST_LOOP", socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
            self._setopt("IP_MULTICAST_ALL", socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
            if join_multicast:
                self._setopt(
                    "joining 224.0.0.18", socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn
                )
        else:
            v6 = socket.IPPROTO_IPV6
            self._setopt("IPV6_MULTICAST_IF", v6, socket.IPV6_MULTICAST_IF, self.ifindex)
            self._setopt("IPV6_MULTICAST_HOPS", v6, socket.IPV6_MULTICAST_HOPS, VRRP_TTL)
            self._setopt("IPV6_UNICAST_HOPS", v6, socket.IPV6_UNICAST_HOPS, VRRP_TTL)
            self._setopt("IPV6_MULTICAST_LOOP", v6, socket.IPV6_MULTICAST_LOOP, 0)
            self._setopt("IPV6_RECVHOPLIMIT", v6, socket.IPV6_RECVHOPLIMIT, 1)
            self._setopt("IPV6_RECVPKTINFO", v6, socket.IPV6_RECVPKTINFO, 1)
            if join_multicast:
                mreq = VRRP_GROUP_V6.packed + struct.pack("=I", self.ifindex)
                self._setopt("joining ff02::12", v6, socket.IPV6_JOIN_GROUP, mreq)

    def _setopt(self, what: str, level: int, option: int, value: int | bytes) -> None:
        try:
            self._sock.setsockopt(level, option, value)
        except OSError as exc:
            if exc.errno in _NO_DEVICE:
                raise InterfaceMissing(self.ifname, what) from exc
            if exc.errno in _PRIVILEGE:
                raise NeedPrivilege(what) from exc
            raise SocketFailed(f"{what} on {self.ifname}", exc.errno, exc.strerror) from exc

    def fileno(self) -> int:
        return self._sock.fileno()

    def send(
        self, payload: bytes, dst: IPAddress, src: IPAddress, *, ttl: int = VRRP_TTL
    ) -> None:
        """Send one VRRP message to `dst` (group or unicast peer) from local address `src`.

        `ttl` (1..255) is set per packet (IP_TTL / IPV6_HOPLIMIT ancillary data) because
        instances with different `unicast_ttl` share this socket; multicast always uses 255.
        """
        route = self._routes.get((dst, src, ttl))
        if route is None:
            route = self._route(dst, src, ttl)
        try:
            self._sock.sendmsg([payload], *route)
        except OSError as exc:
            raise SendFailed(
                f"sending VRRP {src} -> {dst} on {self.ifname}", exc.errno, exc.strerror
            ) from exc

    def _route(self, dst: IPAddress, src: IPAddress, ttl: int) -> tuple[list, tuple]:
        """(ancillary data, address) for sendmsg, kept per (dst, src, ttl): adverts repeat
        them."""
        dst_ip, src_ip = ip_address(dst), ip_address(src)
        want = 4 if self.family == socket.AF_INET else 6
        if dst_ip.version != want or src_ip.version != want:
            raise ValueError(f"addresses {src} -> {dst} do not match this IPv{want} socket")
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= VRRP_TTL:
            raise ValueError(f"ttl must be 1..255, not {ttl!r}")
        hops = VRRP_TTL if dst_ip.is_multicast else ttl  # multicast always leaves with 255
        if want == 4:
            pktinfo = struct.pack("=i4s4s", self.ifindex, src_ip.packed, b"\0" * 4)
            cmsgs = [(socket.IPPROTO_IP, IP_PKTINFO, pktinfo)]
            address: tuple = (str(dst_ip), 0)
            if hops != VRRP_TTL:
                cmsgs.append((socket.IPPROTO_IP, socket.IP_TTL, struct.pack("=i", hops)))
        else:
            pktinfo = src_ip.packed + struct.pack("=i", self.ifindex)
            cmsgs = [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, pktinfo)]
            address = (str(dst_ip), 0, 0, self.ifindex)
            if hops != VRRP_TTL:
                cmsgs.append((socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, struct.pack("=i", hops)))
        route = (cmsgs, 0, address)
        if len(self._routes) >= _MAX_ROUTES:
            self._routes.clear()
        self._routes[(dst, src, ttl)] = route  # type: ignore[assignment]
        return route  # type: ignore[return-value]

    def recv(self) -> Received | None:
        """Return the next queued datagram, or None when nothing is waiting.

        Datagrams this socket must not report are skipped, at most _MAX_SKIPPED per call so
        a flood cannot hold the event loop; after that None is returned and the readable
        socket wakes the reader again.
        """
        buffer = self._buffer  # one per socket: a 64 KiB allocation per packet cost more
        ancillary = _ANCILLARY_V6 if self.family == socket.AF_INET6 else 0
        for _ in range(_MAX_SKIPPED + 1):
            try:
                size, cmsgs, _flags, address = self._sock.recvmsg_into([buffer], ancillary)
            except OSError as exc:
                if exc.errno in _NO_DATA:
                    return None
                raise SocketFailed(f"receiving on {self.ifname}", exc.errno, exc.strerror) from exc
            if self.family == socket.AF_INET6:
                received = _parse_ipv6(bytes(buffer[:size]), cmsgs, address)
            else:
                received = _parse_ipv4(bytes(buffer[:size]))
            if received is None or (received.dst.is_multicast and not self.joined):
                continue
            return received
        return None

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> VrrpSocket:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _index_of(ifname: str) -> int:
    try:
        return socket.if_nametoindex(ifname)
    except OSError as exc:
        raise InterfaceMissing(ifname) from exc


def _parse_ipv4(datagram: bytes) -> Received | None:
    """IPv4 raw sockets deliver the IP header: take TTL and addresses from it, then strip it.

    None for a datagram too short to hold its own header (the kernel never delivers one).
    """
    header_len = (datagram[0] & 0x0F) * 4 if datagram else 0
    if header_len < 20 or len(datagram) < header_len:
        return None
    return Received(
        src=_ipv4(datagram[12:16]),
        dst=_ipv4(datagram[16:20]),
        ttl=datagram[8],
        payload=datagram[header_len:],
    )


def _ipv4(packed: bytes) -> IPv4Address:
    """The address object for 4 packed bytes; the few a segment uses are made once."""
    found = _ADDRESSES.get(packed)
    if found is None:
        if len(_ADDRESSES) >= _MAX_ADDRESSES:
            _ADDRESSES.clear()
        found = _ADDRESSES[packed] = IPv4Address(packed)
    return found


def _parse_ipv6(payload: bytes, cmsgs: list, address: tuple) -> Received:
    """IPv6 raw sockets deliver only the payload; hop limit and destination come as cmsgs.

    Without a hop-limit cmsg the packet reports hop limit 0, so the driver's TTL check drops it.
    """
    ttl = 0
    dst = IPv6Address(0)
    for level, kind, data in cmsgs:
        if level != socket.IPPROTO_IPV6:
            continue
        if kind == socket.IPV6_HOPLIMIT and len(data) >= 4:
            ttl = struct.unpack("=i", data[:4])[0]
        elif kind == socket.IPV6_PKTINFO and len(data) >= 16:
            dst = IPv6Address(data[:16])
    src = IPv6Address(address[0].split("%", 1)[0])
    return Received(src=src, dst=dst, ttl=ttl, payload=payload)
