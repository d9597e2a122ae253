"""Gratuitous ARP / unsolicited NA: frames built once, sent as bytes on a kept socket.

scapy builds the frames (only scapy.layers.l2 / inet6: scapy.all costs ~0.6 s and 35 MB); the
daemon has them built in a short-lived subprocess (vrrpd.io.frames), so scapy's ~0.3 s and
~24 MiB are neither on its start-up path nor resident. At failover time we only write bytes to
one AF_PACKET socket (~23 us per frame instead of ~18 ms per scapy sendp()).

IPv4 frames are the *request* form (RFC 5227 "ARP Announcement": op=1, sender IP = target
IP = VIP), as keepalived and `arping -U` send them: every host handles broadcast requests,
Linux treats sip == tip as gratuitous without the reply-form rule that the target MAC must
equal the sender MAC, and some hosts ignore unsolicited replies. The target MAC is
ff:ff:ff:ff:ff:ff like keepalived's (receivers ignore it in the request form).

IPv6 frames are unsolicited Neighbor Advertisements to ff02::1 with R=1 S=0 O=1 and the
target link-layer address option (RFC 5798 §6.4.2). Source address: the VIP itself by
default, like keepalived; RFC 4861 §7.2.4 allows any address of the interface, Linux
receivers accept it (and routers with accept_untracked_na=2 want a source inside an on-link
prefix, which the VIP is). Pass `ll_src` to send from the link-local address instead.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import math
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import Protocol

from vrrpd.io.errors import InterfaceMissing, NeedPrivilege, SendFailed, SocketFailed, VrrpIoError

log = logging.getLogger(__name__)

BROADCAST_MAC = "ff:ff:ff:ff:ff:ff"
ALL_NODES = "ff02::1"
ALL_NODES_MAC = "33:33:00:00:00:01"
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def build_frames(
    mac: str,
    vips: Iterable[IPv4Interface | IPv6Interface | IPv4Address | IPv6Address],
    ll_src: IPv6Address | None = None,
) -> list[bytes]:
    """One Ethernet frame per VIP: gratuitous ARP for IPv4, unsolicited NA for IPv6."""
    mac, addresses = check_frames(mac, vips, ll_src)
    frames = []
    for address in addresses:
        if isinstance(address, IPv4Address):
            frames.append(_garp(mac, address))
        else:
            frames.append(_unsolicited_na(mac, address, ll_src or address))
    return frames


def check_frames(
    mac: str,
    vips: Iterable[IPv4Interface | IPv6Interface | IPv4Address | IPv6Address],
    ll_src: IPv6Address | None = None,
) -> tuple[str, list[IPv4Address | IPv6Address]]:
    """What build_frames refuses, without scapy: (normalised MAC, the VIPs' addresses)."""
    mac = _check_mac(mac)
    if ll_src is not None and not (isinstance(ll_src, IPv6Address) and ll_src.is_link_local):
        raise ValueError(f"ll_src must be an IPv6 link-local address, not {ll_src!r}")
    addresses: list[IPv4Address | IPv6Address] = []
    for vip in vips:
        address = vip.ip if isinstance(vip, IPv4Interface | IPv6Interface) else vip
        if isinstance(address, IPv4Address):
            if (address.is_multicast or address.is_unspecified
                    or address == IPv4Address("255.255.255.255")):
                raise ValueError(f"{address} cannot be announced by ARP")
        elif isinstance(address, IPv6Address):
            if address.is_multicast or address.is_unspecified:
                raise ValueError(f"{address} cannot be announced by neighbour advertisement")
        else:
            raise TypeError(f"VIP must be an IPv4/IPv6 interface or address, not {vip!r}")
        addresses.append(address)
    return mac, addresses


def _check_mac(mac: str) -> str:
    normal = mac.lower() if isinstance(mac, str) else ""
    if not _MAC.match(normal):
        raise ValueError(f"invalid MAC address {mac!r}")
    if int(normal[:2], 16) & 1 or normal == "00:00:00:00:00:00":
        raise ValueError(f"MAC address {mac!r} is not a unicast station address")
    return normal


def _garp(mac: str, vip: IPv4Address) -> bytes:
    from scapy.layers.l2 import ARP, Ether  # only here: see the module docstring

    arp = ARP(op=1, hwsrc=mac, psrc=str(vip), hwdst=BROADCAST_MAC, pdst=str(vip))
    return bytes(Ether(dst=BROADCAST_MAC, src=mac) / arp)


def _unsolicited_na(mac: str, vip: IPv6Address, src: IPv6Address) -> bytes:
    from scapy.layers.inet6 import ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, IPv6
    from scapy.layers.l2 import Ether

    na = ICMPv6ND_NA(R=1, S=0, O=1, tgt=str(vip)) / ICMPv6NDOptDstLLAddr(lladdr=mac)
    ip6 = IPv6(src=str(src), dst=ALL_NODES, hlim=255)
    return bytes(Ether(dst=ALL_NODES_MAC, src=mac) / ip6 / na)


class FrameSender:
    """One AF_PACKET socket bound to an interface; sends prebuilt frames, receives nothing."""

    def __init__(self, ifindex: int) -> None:
        if ifindex <= 0:
            raise ValueError(f"interface index must be positive, not {ifindex}")
        self.ifindex = ifindex
        try:
            self.ifname = socket.if_indextoname(ifindex)
        except OSError as exc:
            raise InterfaceMissing(ifindex) from exc
        try:
            # Protocol 0: the kernel delivers no incoming frames to this socket.
            self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EACCES):
                raise NeedPrivilege("opening the AF_PACKET socket for GARP/NA") from exc
            raise SocketFailed("opening the AF_PACKET socket", exc.errno, exc.strerror) from exc
        try:
            self._sock.bind((self.ifname, 0))
            self._sock.setblocking(False)
        except OSError as exc:
            self._sock.close()
            if exc.errno in (errno.ENODEV, errno.ENXIO):
                raise InterfaceMissing(self.ifname) from exc
            raise SocketFailed(f"binding to {self.ifname}", exc.errno, exc.strerror) from exc

    def send(self, frames: list[bytes]) -> int:
        """Send every frame; raise SendFailed (with .sent) if any was refused."""
        sent = 0
        failure: OSError | None = None
        for frame in frames:
            try:
                self._sock.send(frame)
            except OSError as exc:
                failure = failure or exc
            else:
                sent += 1
        if failure is not None:
            raise SendFailed(
                f"sending GARP/NA on {self.ifname} ({sent}/{len(frames)} sent)",
                failure.errno,
                failure.strerror,
                sent=sent,
            )
        return sent

    def close(self) -> None:
        self._sock.close()


class FrameSink(Protocol):
    def send(self, frames: list[bytes]) -> int: ...


class FrameSource(Protocol):
    """Frames that may still be being built (vrrpd.io.frames.BookFrames)."""

    def current(self) -> list[bytes] | None: ...

    async def ready(self) -> None: ...


class GarpSchedule:
    """When and how often a master announces its VIPs.

    start(): a burst of `repeat` rounds `interval` apart (the first at once), another burst
    `second_delay` after the start (0 = none) and then one every `refresh` seconds (0 =
    none). The second burst is for receivers that ignored the first because their
    neighbour entry had changed within `locktime` (1 s on Linux), e.g. from the old
    master's last announcements. Bursts never overlap; times are absolute, so they do not
    drift. stop() must be called on leaving MASTER: a cancelled task cannot send again.
    Send errors are logged and the schedule goes on.
    """

    def __init__(
        self,
        sender: FrameSink,
        frames: Iterable[bytes] | FrameSource,
        *,
        repeat: int,
        interval: float,
        second_delay: float,
        refresh: float,
        on_sent: Callable[[int], None] | None = None,
    ) -> None:
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            raise ValueError(f"repeat must be an integer >= 1, not {repeat!r}")
        for name, value in (
            ("interval", interval),
            ("second_delay", second_delay),
            ("refresh", refresh),
        ):
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
        self._sender = sender
        self._source: FrameSource | None = None
        self._frames: list[bytes] = []
        if hasattr(frames, "current"):
            self._source = frames  # type: ignore[assignment]
        else:
            self._frames = list(frames)  # type: ignore[arg-type]
        self._repeat = repeat
        self._interval = float(interval)
        self._second_delay = float(second_delay)
        self._refresh = float(refresh)
        self._on_sent = on_sent
        self._schedule: asyncio.Task | None = None
        self._extra: set[asyncio.Task] = set()

    @property
    def running(self) -> bool:
        """True while any burst or refresh is still pending."""
        pending = [self._schedule, *self._extra]
        return any(task is not None and not task.done() for task in pending)

    def start(self) -> None:
        """Start (or restart) the schedule; the first round goes out before this returns
        (or, while the frames are still being built, as soon as they are)."""
        self.stop()
        loop = asyncio.get_running_loop()
        if self._pending():
            self._schedule = loop.create_task(self._when_built(self._run), name="garp-schedule")
            return
        began = loop.time()
        self._send_round()
        self._schedule = loop.create_task(self._run(began), name="garp-schedule")

    def burst(self) -> None:
        """One extra burst now (split-brain heal), beside the running schedule, and another
        `second_delay` later: the other master's last announcement can reach clients after
        ours (its first advert, which made us heal, may leave before its GARP), and clients
        ignore ours for `locktime` (1 s) after a change. Without the second one they stayed
        on a router that had let the VIP go until their neighbour entry expired (chaos run:
        a VRRP partition healed just after a takeover)."""
        loop = asyncio.get_running_loop()
        if self._pending():
            task = loop.create_task(self._when_built(self._heal), name="garp-burst")
        else:
            began = loop.time()
            self._send_round()
            task = loop.create_task(self._heal(began), name="garp-burst")
        self._extra.add(task)
        task.add_done_callback(self._extra.discard)

    def stop(self) -> None:
        """Cancel everything pending. Safe to call at any time, also twice."""
        for task in (self._schedule, *self._extra):
            if task is not None:
                task.cancel()
        self._schedule = None
        self._extra.clear()

    def update_frames(self, frames: Iterable[bytes]) -> None:
        """Use these frames from the next round on (the VIP list changed)."""
        self._source = None
        self._frames = list(frames)

    def _pending(self) -> bool:
        return self._source is not None and self._source.current() is None

    async def _when_built(self, rest: Callable[[float], Awaitable[None]]) -> None:
        """First round once the frames exist, then `rest` of the schedule from then."""
        assert self._source is not None
        await self._source.ready()
        began = asyncio.get_running_loop().time()
        self._send_round()
        await rest(began)

    async def _run(self, began: float) -> None:
        await self._rest_of_burst(began)
        last = began
        if self._second_delay > 0:
            last = began + self._second_delay
            await self._burst_at(last)
        if self._refresh > 0:
            while True:
                last += self._refresh
                await self._burst_at(last)

    async def _heal(self, began: float) -> None:
        await self._rest_of_burst(began)
        if self._second_delay > 0:
            await self._burst_at(began + self._second_delay)

    async def _burst_at(self, when: float) -> None:
        await _sleep_until(when)
        self._send_round()
        await self._rest_of_burst(when)

    async def _rest_of_burst(self, began: float) -> None:
        for round_number in range(1, self._repeat):
            await _sleep_until(began + round_number * self._interval)
            self._send_round()

    def _send_round(self) -> None:
        try:
            frames = self._frames if self._source is None else self._source.current()
            if frames is None:
                return  # not built (the book has logged why)
            sent = self._sender.send(list(frames))
        except SendFailed as exc:
            log.warning("GARP/NA round incomplete: %s", exc)
            sent = exc.sent
        except VrrpIoError as exc:
            log.warning("GARP/NA round failed: %s", exc)
            sent = 0
        if self._on_sent is not None and sent:
            try:
                self._on_sent(sent)
            except Exception:
                log.exception("GARP on_sent callback failed")


async def _sleep_until(when: float) -> None:
    delay = when - asyncio.get_running_loop().time()
    await asyncio.sleep(max(delay, 0.0))
