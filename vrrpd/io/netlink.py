"""Every pyroute2 call of the daemon: links, addresses, VIPs and the change stream.

pyroute2 0.9's synchronous IPRoute runs its own event loop and refuses to work inside a
running one, so everything here uses AsyncIPRoute — except VIP adds and removes, which go
through one batching socket of their own (vrrpd.io.addr_batch). Kernel answers are translated
into small typed values (vrrpd.io.netlink_types, re-exported here) and vrrpd.io.errors; no
retries and no policy live here.
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
from collections.abc import AsyncIterator, Callable, Collection
from ipaddress import IPv4Interface, IPv6Interface, ip_interface
from typing import Any

from pyroute2 import AsyncIPRoute
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.rtnl import RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, RTMGRP_LINK
from pyroute2.netlink.rtnl.ifaddrmsg import IFA_F_DADFAILED, IFA_F_SECONDARY, IFA_F_TENTATIVE
from pyroute2.netlink.rtnl.ifinfmsg import IFF_RUNNING, IFF_UP

from vrrpd.io.addr_batch import (
    AddressBatcher,
    AddrMessage,
    add_message,
    bind_route_socket,
    open_route_socket,
    remove_message,
)
from vrrpd.io.errors import InterfaceMissing, NeedPrivilege, NetlinkFailure
from vrrpd.io.netlink_types import (
    IFNAMSIZ,
    RT_SCOPE_UNIVERSE,
    AddressAdded,
    AddressEntry,
    AddressRemoved,
    HeldAddress,
    IPAddress,
    IPInterface,
    LinkChanged,
    LinkInfo,
    LinkRemoved,
    NetlinkEvent,
    Snapshot,
    check_ifname,
    primary_of,
)

__all__ = [
    "IFNAMSIZ", "RT_SCOPE_UNIVERSE", "VRRPD_ADDR_PROTO", "AddressAdded", "AddressEntry",
    "AddressRemoved", "HeldAddress", "IPAddress", "IPInterface", "IPRouteSession", "LinkChanged",
    "LinkInfo", "LinkRemoved", "Netlink", "NetlinkEvent", "Snapshot", "kernel_keeps_addr_proto",
    "os_failure",
]

# IFA_PROTO (Linux 6.1+) value on every VIP vrrpd adds: how a later run (after a crash) tells
# the addresses it may remove from the ones the admin or another program configured. Older
# kernels drop the attribute silently; their VIPs then look foreign and are never removed.
VRRPD_ADDR_PROTO = 0x56  # 'V'; iproute2's rt_addrprotos uses 0..3
_WATCH_GROUPS = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
_PRIVILEGE = (errno.EPERM, errno.EACCES)


def kernel_keeps_addr_proto(release: str | None = None) -> bool:
    """IFA_PROTO is kept from Linux 6.1 on (`release` defaults to this kernel's)."""
    parts = (release or os.uname().release).split(".")
    try:
        return (int(parts[0]), int(parts[1].split("-")[0])) >= (6, 1)
    except (IndexError, ValueError):
        return True  # unknown format: assume a modern kernel


class IPRouteSession:
    """Async context manager over one AsyncIPRoute socket (shared by Netlink and RouteTable).

    `netns` names a namespace under /run/netns to work in instead of the current one
    (like keepalived's net_namespace); it is never created implicitly.
    """

    def __init__(self, *, netns: str | None = None) -> None:
        self._netns = netns
        self._ipr: AsyncIPRoute | None = None

    async def __aenter__(self):
        self._ipr = self._open()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._ipr is not None:
            self._ipr.close()
            self._ipr = None

    def _open(self) -> AsyncIPRoute:
        # The socket itself is created lazily by the first request; flags=0 keeps pyroute2
        # from creating a missing namespace (its default is O_CREAT).
        return AsyncIPRoute(netns=self._netns, flags=0)

    @property
    def _route(self) -> AsyncIPRoute:
        if self._ipr is None:
            name = type(self).__name__
            raise RuntimeError(f"use {name} as `async with {name}() as session:`")
        return self._ipr

    async def _events(self, groups: int, what: str, event_of: Callable[[Any], Any],
                      ready: asyncio.Event | None) -> AsyncIterator[Any]:
        """Subscribe a socket of its own to `groups` and yield event_of(msg) until cancelled."""
        monitor = self._open()
        try:
            try:
                await monitor.bind(groups=groups)
            except OSError as exc:
                raise os_failure(exc, f"subscribing to {what}", self._netns) from exc
            if ready is not None:
                ready.set()
            while True:
                try:
                    batch = [msg async for msg in monitor.get()]
                except OSError as exc:
                    raise os_failure(exc, f"reading {what}", self._netns) from exc
                if not batch:  # pyroute2 hands out an empty batch only once the socket closed
                    raise NetlinkFailure(f"reading {what}", None, "event stream closed")
                for msg in batch:
                    event = event_of(msg)
                    if event is not None:
                        yield event
        finally:
            monitor.close()


class Netlink(IPRouteSession):
    """Links, addresses and VIPs, plus the watch() event stream."""

    _batcher: AddressBatcher | None = None  # VIP adds/removes (vrrpd.io.addr_batch)

    async def __aexit__(self, *exc: object) -> None:
        if self._batcher is not None:
            self._batcher.close()
            self._batcher = None
        await super().__aexit__(*exc)

    async def _address_request(self, message: AddrMessage) -> int:
        """Send one address message in this loop iteration's batch: its ack's errno."""
        if self._batcher is None:
            self._route  # noqa: B018 - raises outside `async with`
            self._batcher = AddressBatcher(self._route_socket)
        return await self._batcher.request(message)

    def _route_socket(self) -> socket.socket:
        if self._netns is None:
            return open_route_socket()
        from pyroute2.netns import create_socket  # forks a helper that enters the namespace

        return bind_route_socket(create_socket(
            netns=self._netns, family=socket.AF_NETLINK, socket_type=socket.SOCK_RAW,
            proto=socket.NETLINK_ROUTE, flags=0))

    async def link(self, ifname: str) -> LinkInfo:
        check_ifname(ifname)
        try:
            messages = await self._route.link("get", ifname=ifname)
        except NetlinkError as exc:
            raise _translate(exc, f"reading link {ifname}", ifname) from exc
        except OSError as exc:
            raise os_failure(exc, f"reading link {ifname}", self._netns) from exc
        return _link_info(messages[0])

    async def primary_address(
        self, ifindex: int, family: int, *, exclude: Collection[IPAddress] = ()
    ) -> IPAddress | None:
        """The source address for adverts: IPv4, the first primary global address;
        IPv6, the link-local address once DAD is over. `exclude` skips our own VIPs, which
        become primary when no other address covers their subnet."""
        entries = [_entry_of(msg) for msg in await self._dump_addresses(ifindex, family)]
        return primary_of(entries, family, exclude)

    async def snapshot(self) -> Snapshot:
        """Every link and address now (see Snapshot): three dumps, whatever their size."""
        try:
            links = [_link_info(m) async for m in await self._route.link("dump")]
            entries = [_entry_of(m) for family in (socket.AF_INET, socket.AF_INET6)
                       async for m in await self._route.addr("dump", family=family)]
        except NetlinkError as exc:
            raise _translate(exc, "reading links and addresses", None) from exc
        except OSError as exc:
            raise os_failure(exc, "reading links and addresses", self._netns) from exc
        return Snapshot({link.name: link for link in links}, tuple(entries))

    async def addresses(self, ifindex: int, family: int) -> list[IPInterface]:
        return [_interface_of(msg) for msg in await self._dump_addresses(ifindex, family)]

    async def held(self, ifindex: int, family: int) -> list[HeldAddress]:
        """Every address on the interface, each marked whether vrrpd added it."""
        return [HeldAddress(_interface_of(msg), msg.get("proto") == VRRPD_ADDR_PROTO)
                for msg in await self._dump_addresses(ifindex, family)]

    async def _dump_addresses(self, ifindex: int, family: int) -> list:
        if family not in (socket.AF_INET, socket.AF_INET6):
            raise ValueError(f"family must be AF_INET or AF_INET6, not {family!r}")
        try:
            return [m async for m in await self._route.addr("dump", family=family, index=ifindex)]
        except NetlinkError as exc:
            raise _translate(exc, "reading addresses", ifindex) from exc
        except OSError as exc:
            raise os_failure(exc, "reading addresses", self._netns) from exc

    async def add_vip(self, ifindex: int, vip: IPInterface, label: str | None = None) -> bool:
        """Add a virtual address; False if it was already there.

        IPv6 VIPs skip DAD (IFA_F_NODAD) so they are usable at once: the backup that held
        the address has already dropped it, and a tentative VIP would black-hole traffic.
        Lifetimes are left at the kernel default, valid and preferred forever. The address
        carries IFA_PROTO VRRPD_ADDR_PROTO (see held()). Requests made in the same loop
        iteration go to the kernel in one datagram (vrrpd.io.addr_batch).
        """
        _check_vip(ifindex, vip)
        if label is not None:
            _check_label(label, vip)
        message = add_message(ifindex, vip, proto=VRRPD_ADDR_PROTO, label=label)
        return await self._vip_request(message, f"adding {vip}", ifindex, errno.EEXIST)

    async def remove_vip(self, ifindex: int, vip: IPInterface) -> bool:
        """Remove a virtual address; False if it was not there (with that prefix length)."""
        _check_vip(ifindex, vip)
        return await self._vip_request(remove_message(ifindex, vip), f"removing {vip}",
                                       ifindex, errno.EADDRNOTAVAIL)

    async def _vip_request(self, message: AddrMessage, what: str, ifindex: int,
                           unchanged: int) -> bool:
        """True when done, False when the kernel answered `unchanged`; else the typed error."""
        try:
            code = await self._address_request(message)
        except OSError as exc:
            raise os_failure(exc, what, self._netns) from exc
        if code == unchanged:
            return False
        if code:
            raise _translate(NetlinkError(code), what, ifindex)
        return True

    async def owners(self, address: IPAddress | IPInterface) -> list[int]:
        """Indexes of the interfaces holding `address`, to refuse a VIP owned elsewhere."""
        ip = address.ip if isinstance(address, IPv4Interface | IPv6Interface) else address
        family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
        try:
            found = {
                msg["index"]
                async for msg in await self._route.addr("dump", family=family)
                if _interface_of(msg).ip == ip
            }
        except NetlinkError as exc:
            raise _translate(exc, "reading addresses", None) from exc
        except OSError as exc:
            raise os_failure(exc, "reading addresses", self._netns) from exc
        return sorted(found)

    # -- macvlans for VMAC (policy in vrrpd.runtime.vmac) -------------------------------------

    async def add_macvlan(self, name: str, base: int, mac: str, alias: str) -> LinkInfo:
        """Create a macvlan in private mode on link `base` (left down: set it up after its
        sysctls); `alias` (IFLA_IFALIAS) marks it as ours for a later clean-up."""
        check_ifname(name)
        try:
            await self._route.link("add", ifname=name, kind="macvlan", link=base,
                                   macvlan_mode="private", address=mac)  # fmt: skip
            index = (await self._route.link("get", ifname=name))[0]["index"]
            await self._route.link("set", index=index, ifalias=alias)
        except NetlinkError as exc:
            raise _translate(exc, f"creating macvlan {name}", name) from exc
        except OSError as exc:
            raise os_failure(exc, f"creating macvlan {name}", self._netns) from exc
        return await self.link(name)

    async def set_up(self, index: int) -> None:
        try:
            await self._route.link("set", index=index, state="up")
        except NetlinkError as exc:
            raise _translate(exc, "setting link up", index) from exc
        except OSError as exc:
            raise os_failure(exc, "setting link up", self._netns) from exc

    async def delete_link(self, index: int) -> bool:
        """Delete a link; False if it was already gone."""
        try:
            await self._route.link("del", index=index)
        except NetlinkError as exc:
            if exc.code == errno.ENODEV:
                return False
            raise _translate(exc, "deleting link", index) from exc
        except OSError as exc:
            raise os_failure(exc, "deleting link", self._netns) from exc
        return True

    async def macvlans(self) -> list[tuple[int, str, str]]:
        """(index, name, alias) of every macvlan; alias "" when none is set."""
        found = []
        try:
            async for msg in await self._route.link("dump"):
                info = msg.get("linkinfo")
                if info is not None and info.get("kind") == "macvlan":
                    found.append((msg["index"], msg.get("ifname"), msg.get("ifalias") or ""))
        except NetlinkError as exc:
            raise _translate(exc, "listing links", None) from exc
        except OSError as exc:
            raise os_failure(exc, "listing links", self._netns) from exc
        return found

    def watch(self, ready: asyncio.Event | None = None) -> AsyncIterator[NetlinkEvent]:
        """Yield link and address changes until cancelled.

        Uses its own socket bound to the link/address multicast groups; `ready` is set once
        subscribed, so a caller can subscribe first and then read the current state without a
        gap. Cancelling the consuming task (or aclose()) closes the socket. A kernel buffer
        overflow raises NetlinkFailure: events were lost, re-read the state and watch again.
        """
        return self._events(_WATCH_GROUPS, "netlink events", _event_of, ready)


def _check_vip(ifindex: int, vip: IPInterface) -> None:
    if not isinstance(vip, IPv4Interface | IPv6Interface):
        raise TypeError(f"vip must be an IPv4Interface or IPv6Interface, not {vip!r}")
    if ifindex <= 0:
        raise ValueError(f"interface index must be positive, not {ifindex}")


def _check_label(label: str, vip: IPInterface) -> None:
    if vip.version != 4:
        raise ValueError("address labels exist for IPv4 only")
    if not label or len(label.encode()) >= IFNAMSIZ:
        raise ValueError(f"label {label!r} must be 1..{IFNAMSIZ - 1} bytes")


def _translate(exc: NetlinkError, what: str, interface: str | int | None) -> Exception:
    if exc.code == errno.ENODEV and interface is not None:
        return InterfaceMissing(interface, what)
    if exc.code in _PRIVILEGE:
        return NeedPrivilege(what, "CAP_NET_ADMIN")
    return NetlinkFailure(what, exc.code, str(exc))


def os_failure(exc: OSError, what: str, netns: str | None) -> Exception:
    """An OSError from a netlink socket as the typed error users see."""
    if exc.errno in _PRIVILEGE:
        return NeedPrivilege(what, "CAP_NET_ADMIN")
    if netns is not None and exc.errno == errno.ENOENT:
        return NetlinkFailure(what, exc.errno, f"network namespace {netns!r} not found")
    return NetlinkFailure(what, exc.errno, exc.strerror or str(exc))


def _interface_of(msg) -> IPInterface:
    """IFA_LOCAL is our address on IPv4 (IFA_ADDRESS is the peer on point-to-point links)."""
    address = msg.get("local") or msg.get("address")
    return ip_interface(f"{address}/{msg['prefixlen']}")


def _entry_of(msg) -> AddressEntry:
    return AddressEntry(msg["index"], _interface_of(msg),
                        not msg.get("flags", 0) & IFA_F_SECONDARY, msg["scope"],
                        _is_tentative(msg), msg.get("proto") == VRRPD_ADDR_PROTO)


def _is_tentative(msg) -> bool:
    return bool(msg.get("flags", 0) & (IFA_F_TENTATIVE | IFA_F_DADFAILED))


def _link_info(msg) -> LinkInfo:
    return LinkInfo(
        index=msg["index"],
        name=msg.get("ifname"),
        mac=(msg.get("address") or "").lower(),
        up=_is_up(msg["flags"]),
        mtu=msg.get("mtu"),
    )


def _is_up(flags: int) -> bool:
    return bool(flags & IFF_UP) and bool(flags & IFF_RUNNING)


def _event_of(msg) -> NetlinkEvent | None:
    kind = msg.get("event")
    if kind == "RTM_NEWADDR":
        return AddressAdded(msg["index"], _interface_of(msg), _is_tentative(msg))
    if kind == "RTM_DELADDR":
        return AddressRemoved(msg["index"], _interface_of(msg))
    if kind == "RTM_NEWLINK":
        return LinkChanged(msg["index"], msg.get("ifname"), _is_up(msg["flags"]))
    if kind == "RTM_DELLINK":
        return LinkRemoved(msg["index"], msg.get("ifname"))
    return None
